#!/bin/sh
# Barrier ablation: for each write-barrier site, copy the tree to a
# temporary directory, replace that site's barriered store by a plain one
# (a sed patch), build the toy command there, and run the site's program
# under the concurrent collector's fine stress switch with every mark
# checked (TOYDEBUG=gcconcurrentstress=2,gccheckmark=1).
#
# The hybrid barrier shades the old and the new value. The roots (frames
# and globals) are scanned in the first pause and objects made during a
# mark are black, so the new value's shade is never the only thing that
# keeps an object: a site is caught alone when its store overwrites a
# value the program may still hold (the old value's shade). Such sites
# must fail here ("caught"); the others are listed with the reason the
# collector needs nothing from them alone, and must pass.
#   tests/toy/barrier/ablate.sh [SITE...]     (default: every site)
# Outside `make test` (one build per site): `make barrier-ablation`.
set -u
root=$(cd "$(dirname "$0")/../../.." && pwd)
runs=${ABLATE_RUNS:-3}
stress=TOYDEBUG=gcconcurrentstress=2,gccheckmark=1
# site|file|sed expression|program|caught, or why not
sites='
field|vm/interp.c|s/gc_write_pointer(V->gcp, wb, &o\[iB\]\.p, RC\.p);/o[iB].p = RC.p;/|field|caught
index|vm/interp.c|s/gc_write_pointer(V->gcp, wb, &a->data\[x\]\.p, RC\.p);/a->data[x].p = RC.p;/|index|caught
cell|vm/interp.c|s/gc_write_pointer(V->gcp, wb, &((vm_cell \*)RA\.p)->v\.p, RB\.p);/((vm_cell *)RA.p)->v.p = RB.p;/|cell|caught
upvalue|vm/interp.c|s/gc_write_pointer(V->gcp, wb, &fr->cl->cells\[iB\]->v\.p, RA\.p);/fr->cl->cells[iB]->v.p = RA.p;/|upvalue|caught
pop|stdlib/collections.c|s/vm_write_pointer(V, &a->data\[a->len\]\.p, NULL);/a->data[a->len].p = NULL;/|pop|caught
map-set|vm/map.c|s/put_val(V, m, ent(m, e), val);/ent(m, e)->val = val;/|mapset|caught
map-delete|vm/map.c|/^bool vm_map_delete/,/^}/s/put_val(V, m, x, zero);/x->val = zero;/|mapdelete|caught
global|vm/interp.c|s/gc_write_pointer(V->gcp, wb, &G\[iBX\]\.p, RA\.p);/G[iBX].p = RA.p;/|global|not alone: globals are roots, scanned in the first pause, so an old value was shaded then
closure|vm/interp.c|s/gc_write_pointer(V->gcp, wb, (void \*\*)&fn->value, c);/fn->value = c;/|closure|not alone: the old value is nil and the closure is new (black during a mark)
push|vm/object.c|s/gc_write_pointer(V->gcp, V->barrier, &a->data\[a->len\]\.p, v\.p);/a->data[a->len].p = v.p;/|push|not alone: the slot past the length is nil (pop clears it), and the new value was shaded where it came from
growth-copy|vm/object.c|s/gc_bulk_barrier(V->gcp, V->barrier, (void \*const \*)d,/if (0) gc_bulk_barrier(V->gcp, V->barrier, (void *const *)d,/|growth|not alone: the old backing store keeps every element and the barrier of the store of a->data shades it
growth-swap|vm/object.c|/gc_bulk_barrier/,/a->cap = cap/s/gc_write_pointer(V->gcp, V->barrier, (void \*\*)\&a->data, d);/a->data = d;/|growth|not alone: the bulk barrier shaded every element copied
growth-both|vm/object.c|s/gc_bulk_barrier(V->gcp, V->barrier, (void \*const \*)d,/if (0) gc_bulk_barrier(V->gcp, V->barrier, (void *const *)d,/;/if (0) gc_bulk_barrier/,/a->cap = cap/s/gc_write_pointer(V->gcp, V->barrier, (void \*\*)\&a->data, d);/a->data = d;/|growth|caught
keys|stdlib/collections.c|s/vm_write_pointer(V, &a->data\[k\]\.p, key\.p);/a->data[k].p = key.p;/|keys|not alone: the old value is nil in a new array, and the map still holds every key
map-growth-swap|vm/map.c|s/put_ptr(V, \&m->chunks\[0\], c);/m->chunks[0] = c;/|maprehash|not alone: every entry copied into the new chunk went through the barrier (its new value shaded)
map-growth-copy|vm/map.c|/vm_mapentry \*old = m->chunks\[0\];/,/put_ptr/s/put_val(V, m, \&c\[j\], old\[j\]\.val);/c[j].val = old[j].val;/|maprehash|not alone: the old chunk keeps every entry and the barrier of the store of m->chunks[0] shades it
map-growth-both|vm/map.c|s/put_ptr(V, \&m->chunks\[0\], c);/m->chunks[0] = c;/;/vm_mapentry \*old = m->chunks\[0\];/,/chunks\[0\] = c/s/put_val(V, m, \&c\[j\], old\[j\]\.val);/c[j].val = old[j].val;/|maprehash|caught
split|stdlib/strings.c|s/vm_write_pointer(V, &a->data\[k\]\.p, piece);/a->data[k].p = piece;/|split|not alone: the old value is nil in a new array, and every piece is new (black)
'
want=${*:-}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ablate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
bad=0
echo "$sites" | {
while IFS='|' read -r site file expr test expect; do
    [ -n "$site" ] || continue
    if [ -n "$want" ] && ! echo " $want " | grep -q " $site "; then continue; fi
    dir=$tmp/$site
    mkdir -p "$dir"
    # The sources and the build with their times, so that only what the
    # patch touches is rebuilt.
    (cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 cp -p --parents -t "$dir" 2>/dev/null)
    [ ! -d "$root/build" ] || cp -pR "$root/build" "$dir/build"
    touch "$dir/$file"
    sed -i "$expr" "$dir/$file"
    if cmp -s "$root/$file" "$dir/$file"; then
        echo "$site: the patch did not apply to $file"; bad=1; continue
    fi
    if ! make -C "$dir" -j2 build/toy >"$dir/build.log" 2>&1; then
        echo "$site: the patched tree does not build"; tail -5 "$dir/build.log"; bad=1; continue
    fi
    prog=tests/toy/barrier/$test.toy
    base=$(cd "$root" && env $stress build/toy run "$prog" 2>&1 | tail -1)
    fails=0; first=
    i=0
    while [ $i -lt "$runs" ]; do
        out=$(cd "$dir" && env $stress build/toy run "$prog" 2>&1)
        if [ "$(printf '%s\n' "$out" | tail -1)" != "$base" ]; then
            fails=$((fails + 1))
            [ -n "$first" ] || first=$(printf '%s\n' "$out" | grep -m1 'gccheckmark' || printf '%s\n' "$out" | tail -1)
        fi
        i=$((i + 1))
    done
    if [ "$expect" = caught ]; then
        verdict="caught in $fails of $runs runs"
        [ "$fails" -eq "$runs" ] || bad=1
    else
        verdict="failed $fails of $runs runs ($expect)"
        [ "$fails" -eq 0 ] || bad=1
    fi
    echo "$site ($file, $prog): barrier removed: $verdict${first:+
    $first}"
    rm -rf "$dir"
done
exit $bad
}
