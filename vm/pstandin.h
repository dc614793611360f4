/*
 * pstandin.h: STAND-INS for alloc's P hand-off API (gc_p_release,
 * gc_p_acquire, gc_p_poke), which alloc does not provide yet. The VM
 * codes against the contract:
 *   - a thread touches heap objects only while it owns its gc_p;
 *   - gc_p_release(p) before it blocks, at a safepoint (its roots can be
 *     reported), gc_p_acquire(p) after (it waits while the world is
 *     stopped);
 *   - gc_p_poke(p) makes the P's next gc_safepoint take the slow path.
 * Until alloc lets several threads use one heap at once, the VM runs one
 * toy thread at a time (thread.c's VM_SERIAL_THREADS), so releasing and
 * acquiring have nothing to do, and a poke only sets the poll word.
 * This file goes when alloc.h declares the real ones.
 */
#ifndef VM_PSTANDIN_H
#define VM_PSTANDIN_H

#include "alloc/alloc.h"

static inline void gc_p_release(gc_p *p) { (void)p; }
static inline void gc_p_acquire(gc_p *p) { (void)p; }
/* The poll word is alloc's; a store of 1 with release order is what its
 * own workers do to ask a P to stop by (mgcworker.c's roundDone). */
static inline void gc_p_poke(gc_p *p)
{
    gc_poll *poll = (gc_poll *)gc_p_poll(p);
    atomic_store_explicit(&poll->pending, 1, memory_order_release);
}

#endif
