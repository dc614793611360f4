/*
 * chan.c: channels (Go's runtime/chan.go, without its sudog hand-off: a
 * woken thread looks at the channel again). A channel is a heap object,
 * a header and a ring buffer of max(cap, 1) words, typed like an array's
 * backing store: scanned iff the element type is a reference type. Every
 * operation runs under the scheduler's lock (thread.c), the waits in
 * vm_chan_sleep, at the built-in's safepoint. An unbuffered channel
 * (cap 0) keeps the value a sender brought in its one slot and the sender
 * waits until a receiver has taken it (or goes on when receivers were
 * already waiting: one of them will), so a send completes only with its
 * receive, as Go's; len counts the waiting values of a buffered channel
 * only. Every pointer store into the buffer (a send's value, a receive's
 * clearing of its slot) goes through the write barrier.
 */
#include "vm/vmint.h"

#include <string.h>

typedef struct vm_chan {
    int64_t len;     /* what len and print show; written under the lock, read atomically */
    int64_t cap;
    vm_value *buf;   /* max(cap, 1) words */
    int64_t head;    /* the oldest value's slot */
    int64_t count;   /* values in buf */
    int64_t closed;
    int64_t elemref; /* 1 when the values are references */
    int64_t sent;    /* values sent so far: a send's ticket */
    int64_t taken;   /* values received so far */
} vm_chan;

static const uint8_t mask_buf = 1u << 2;
static const gc_type gct_chan = {sizeof(vm_chan), 3 * sizeof(void *), &mask_buf, "chan"};

int vm_chan_sleep(vm_state *V, const void *c);
int vm_chan_wake(vm_state *V, const void *c);
void vm_chan_lock(vm_state *V);
void vm_chan_unlock(vm_state *V);

void *vm_chan_new(vm_state *V, int64_t cap, bool elemref)
{
    if (cap < 0) {
        vm_error(V, "negative channel capacity %lld", (long long)cap);
        return NULL;
    }
    if (cap > VM_MAX_ARRAY_LEN) {
        vm_error(V, "out of memory");
        return NULL;
    }
    vm_chan *c = vm_alloc(V, "chan", sizeof(vm_chan), &gct_chan, true);
    if (!c || vm_root_push(V, c) != 0) {
        vm_error(V, "out of memory");
        return NULL;
    }
    size_t n = (size_t)(cap > 0 ? cap : 1);
    vm_value *b = elemref ? vm_alloc(V, "chan buffer []ref", n * sizeof(vm_value), &vm_gct_refs, true)
                          : vm_alloc(V, "chan buffer []scalar", n * sizeof(vm_value), NULL, true);
    vm_root_pop(V, 1);
    if (!b) {
        vm_error(V, "out of memory");
        return NULL;
    }
    gc_write_pointer(V->gcp, V->barrier, (void **)&c->buf, b);
    c->cap = cap;
    c->elemref = elemref;
    return c;
}

static int64_t slots(const vm_chan *c) { return c->cap > 0 ? c->cap : 1; }

static void set_len(vm_chan *c)
{
    __atomic_store_n(&c->len, c->cap > 0 ? c->count : 0, __ATOMIC_RELAXED);
}

/* 0, -1 (an error), 1 (the program stops). */
int vm_chan_send(vm_state *V, void *cv, vm_value v)
{
    vm_chan *c = cv;
    if (!c)
        return vm_error(V, "send on nil channel");
    vm_chan_lock(V);
    for (;;) {
        if (c->closed) {
            vm_chan_unlock(V);
            return vm_error(V, "send on closed channel");
        }
        if (c->count < slots(c))
            break;
        if (vm_chan_sleep(V, c)) {
            vm_chan_unlock(V);
            return 1;
        }
    }
    vm_value *slot = &c->buf[(c->head + c->count) % slots(c)];
    if (c->elemref)
        gc_write_pointer(V->gcp, V->barrier, &slot->p, v.p);
    else
        *slot = v;
    c->count++;
    int64_t ticket = c->sent++;
    set_len(c);
    /* Unbuffered: done when a receiver has taken this value, or at once
     * when receivers were asleep on the channel (Go's direct hand-off):
     * the slot was empty, so whoever sleeps on it is a receiver, and one
     * of them takes this value. */
    bool handed = vm_chan_wake(V, c) > 0;
    while (c->cap == 0 && !handed && c->taken <= ticket) {
        if (vm_chan_sleep(V, c)) {
            vm_chan_unlock(V);
            return 1;
        }
    }
    vm_chan_unlock(V);
    return 0;
}

/* *ok: a value came (false: closed and empty, *out is the zero value). */
int vm_chan_recv(vm_state *V, void *cv, vm_value *out, bool *ok)
{
    vm_chan *c = cv;
    if (!c)
        return vm_error(V, "receive from nil channel");
    vm_chan_lock(V);
    for (;;) {
        if (c->count > 0)
            break;
        if (c->closed) {
            vm_chan_unlock(V);
            out->i = 0;
            *ok = false;
            return 0;
        }
        if (vm_chan_sleep(V, c)) {
            vm_chan_unlock(V);
            return 1;
        }
    }
    vm_value *slot = &c->buf[c->head];
    *out = *slot;
    if (c->elemref)
        gc_write_pointer(V->gcp, V->barrier, &slot->p, NULL);
    c->head = (c->head + 1) % slots(c);
    c->count--;
    c->taken++;
    set_len(c);
    vm_chan_wake(V, c);
    vm_chan_unlock(V);
    *ok = true;
    return 0;
}

int vm_chan_close(vm_state *V, void *cv)
{
    vm_chan *c = cv;
    if (!c)
        return vm_error(V, "close of nil channel");
    vm_chan_lock(V);
    if (c->closed) {
        vm_chan_unlock(V);
        return vm_error(V, "close of closed channel");
    }
    c->closed = 1;
    vm_chan_wake(V, c);
    vm_chan_unlock(V);
    return 0;
}

int64_t vm_chan_len(const void *cv)
{
    const vm_chan *c = cv;
    return c ? __atomic_load_n(&c->len, __ATOMIC_RELAXED) : 0;
}

void vm_chan_format(vm_buf *b, const vm_program *p, const void *cv, int32_t elem)
{
    const vm_chan *c = cv;
    char name[256];
    vm_rtype_name(p, elem, name, sizeof name);
    vm_buf_addf(b, "chan[%s](%lld/%lld)", name, (long long)vm_chan_len(c), (long long)c->cap);
}
