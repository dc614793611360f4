/*
 * rand.c: rand_int and rand_seed on xoshiro256** (Blackman and Vigna,
 * "Scrambled linear pseudorandom number generators", 2018; the reference
 * code is prng.di.unimi.it/xoshiro256starstar.c), seeded with splitmix64
 * as its authors recommend. Lua 5.4's math.random uses the same generator;
 * unlike Lua we never seed from the time, so every run of a program draws
 * the same numbers unless it seeds itself. The state is four words of the
 * vm_state (vm_std_words), all zero until the first use, which seeds as
 * rand_seed(0) would: splitmix64 never yields four zero words, so zero is
 * free to mean "not seeded yet".
 */
#include "stdlib/internal.h"

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void std_rand_seed_state(uint64_t state[4], uint64_t seed)
{
    for (int j = 0; j < 4; j++)
        state[j] = splitmix64(&seed);
}

uint64_t std_rand_next(uint64_t s[4])
{
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static uint64_t *state(vm_state *V)
{
    uint64_t *s = vm_std_words(V);
    if ((s[0] | s[1] | s[2] | s[3]) == 0)
        std_rand_seed_state(s, 0);
    return s;
}

static int std_rand_seed_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    std_rand_seed_state(vm_std_words(V), (uint64_t)args[0].i);
    return 0;
}

static int std_rand_int_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    int64_t n = args[0].i;
    if (n <= 0)
        return vm_error(V, "rand_int: %lld is not positive", (long long)n);
    uint64_t *s = state(V), un = (uint64_t)n;
    /* Reject the top partial copy of [0, n) so every residue is equally
     * likely: limit = 2^64 - (2^64 mod n), computed without 2^64. */
    uint64_t rem = (UINT64_MAX % un + 1) % un;
    uint64_t x;
    do
        x = std_rand_next(s);
    while (rem && x >= 0 - rem);
    args[0].i = (int64_t)(x % un);
    return 0;
}

/* The generator is the program's, shared by its threads. */
STD_LOCKED(std_rand_seed)
STD_LOCKED(std_rand_int)
