/*
 * io.c: standard input and output and files (Lua's liolib.c, Go's bufio
 * over os.Stdin/os.Stdout): read_line, eof, read_all, read_file, write,
 * and the output stream print shares with write.
 *
 * Both streams are buffered here, per VM (vm_std_state: a VM is a value,
 * so nothing of this is global), over the host's FILEs (vm_options.in and
 * .out). read_line, eof and read_all take from one input buffer. print
 * and write append to one output buffer, in call order, flushed when it
 * holds OUT_FLUSH bytes, before the input is read (so a prompt shows
 * before the program waits), after every call when the output is a
 * terminal, and when the program ends however it ends (vm_run calls
 * finish: main returned, exit(), a runtime error). Every write goes
 * through the VM's one writer, vm_write_out: a failed write is the
 * runtime error "writing output: REASON" at the call that finds it, or
 * at the end.
 *
 * Departure from Lua and C: a read error and a write error are runtime
 * errors naming the stream or path and the reason (strerror), never a
 * value to check, as toy has no error values.
 */
#include "stdlib/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Output is written out past this many buffered bytes. */
#define OUT_FLUSH (64 * 1024)
/* Input is read in chunks of at least this much. */
#define IN_CHUNK (64 * 1024)

typedef struct std_io {
    /* input: bytes [inpos, inlen) of inbuf are read but not taken */
    char *inbuf;
    size_t inpos, inlen, incap;
    bool ineof;
    /* output: out.data[0..out.len) waits to be written */
    vm_buf out;
    bool outtty;
} std_io;

static int io_finish(vm_state *V, void *state);

static void io_release(void *state)
{
    std_io *io = state;
    if (!io)
        return;
    free(io->inbuf);
    vm_buf_free(&io->out);
    free(io);
}

static const vm_std_hooks io_hooks = {io_finish, io_release};

/* The VM's streams, made on first use; NULL when out of memory. */
static std_io *get_io(vm_state *V)
{
    std_io *io = vm_std_state(V);
    if (io)
        return io;
    io = calloc(1, sizeof *io);
    if (!io)
        return NULL;
    vm_buf_init(&io->out);
    int fd = fileno(vm_out(V));
    io->outtty = fd >= 0 && isatty(fd);
    vm_set_std_state(V, io, &io_hooks);
    return io;
}

/* Writes out what the output buffer holds, through the VM's one writer
 * (vm_write_out: the error is "writing output: REASON"); 0, or -1 with
 * the error set. */
static int flush_out(vm_state *V, std_io *io)
{
    size_t n = io->out.len;
    io->out.len = 0;
    return vm_write_out(V, io->out.data, n);
}

/* The end of the program: what is buffered goes out, and the stream is
 * flushed even when nothing is (vm_run reports a failure). */
static int io_finish(vm_state *V, void *state)
{
    return flush_out(V, state);
}

int std_flush(vm_state *V)
{
    std_io *io = vm_std_state(V);
    return io ? flush_out(V, io) : vm_write_out(V, NULL, 0);
}

/* After appending to the output buffer: write it out when it is full (or
 * the output is a terminal), report running out of memory. */
static int out_done(vm_state *V, std_io *io)
{
    if (io->out.oom) {
        io->out.oom = false;
        io->out.len = 0;
        return std_oom(V);
    }
    if (io->out.len >= OUT_FLUSH || io->outtty)
        return flush_out(V, io);
    return 0;
}

static int std_print_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    static const int32_t none[1] = {0};
    std_io *io = get_io(V);
    if (!io)
        return std_oom(V);
    vm_format_print(&io->out, vm_get_program(V), args, nargs, types ? types : none);
    return out_done(V, io);
}

static int std_write_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    std_io *io = get_io(V);
    if (!io)
        return std_oom(V);
    for (int j = 0; j < nargs; j++) {
        const vm_rtype *t = std_argtype(V, types, j);
        if (!t)
            return std_untyped(V, "write");
        if (t->kind == VM_KSTRING)
            vm_buf_add(&io->out, vm_string_data(args[j].p), (size_t)vm_string_len(args[j].p));
        else
            vm_format_value(&io->out, vm_get_program(V), args[j], types[1 + j], false);
    }
    return out_done(V, io);
}

/* Reads more input after inbuf[inlen); false at the end of input or on an
 * error (*err set). Output is flushed first: a prompt shows before the
 * program waits for its answer. */
static bool fill(vm_state *V, std_io *io, int *err)
{
    if (io->ineof)
        return false;
    if (io->out.len && flush_out(V, io) != 0) {
        *err = -1;
        return false;
    }
    if (io->inpos > 0 && io->inpos == io->inlen)
        io->inpos = io->inlen = 0;
    if (io->incap - io->inlen < IN_CHUNK) {
        if (io->inpos > 0) { /* move the unread bytes to the front first */
            memmove(io->inbuf, io->inbuf + io->inpos, io->inlen - io->inpos);
            io->inlen -= io->inpos;
            io->inpos = 0;
        }
        if (io->incap - io->inlen < IN_CHUNK) {
            size_t ncap = io->incap ? io->incap * 2 : 2 * IN_CHUNK;
            while (ncap - io->inlen < IN_CHUNK)
                ncap *= 2;
            char *b = realloc(io->inbuf, ncap);
            if (!b) {
                *err = std_oom(V);
                return false;
            }
            io->inbuf = b;
            io->incap = ncap;
        }
    }
    /* read(2) where the stream has a descriptor: it returns what is there
     * (a terminal's line, a pipe's chunk) where fread would wait to fill
     * the whole buffer. Nothing else reads the FILE, so its own buffer
     * stays empty. */
    FILE *f = vm_in(V);
    int fd = fileno(f);
    char *dst = io->inbuf + io->inlen;
    size_t room = io->incap - io->inlen;
    ssize_t n;
    if (fd >= 0) {
        do
            n = read(fd, dst, room);
        while (n < 0 && errno == EINTR);
    } else {
        n = (ssize_t)fread(dst, 1, room, f);
        if (n == 0 && ferror(f)) {
            clearerr(f);
            errno = errno ? errno : EIO;
            n = -1;
        }
    }
    if (n < 0) {
        *err = vm_error(V, "read: standard input: %s", strerror(errno));
        return false;
    }
    if (n == 0) {
        io->ineof = true;
        return false;
    }
    io->inlen += (size_t)n;
    return true;
}

/* The next n unread input bytes as a string, taken. */
static int take(vm_state *V, std_io *io, size_t n, size_t skip, vm_value *res)
{
    vm_string *s = std_string_alloc(V, (int64_t)n);
    if (!s)
        return std_oom(V);
    if (n)
        memcpy(s->data, io->inbuf + io->inpos, n);
    io->inpos += n + skip;
    res->p = s;
    return 0;
}

static int std_read_line_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    std_io *io = get_io(V);
    if (!io)
        return std_oom(V);
    int err = 0;
    size_t scanned = 0; /* bytes after inpos known to hold no newline */
    for (;;) {
        size_t avail = io->inlen - io->inpos;
        const char *start = avail ? io->inbuf + io->inpos : NULL;
        const char *nl = avail > scanned ? memchr(start + scanned, '\n', avail - scanned) : NULL;
        if (nl) {
            size_t n = (size_t)(nl - start);
            size_t cr = n > 0 && start[n - 1] == '\r';
            return take(V, io, n - cr, 1 + cr, &args[0]);
        }
        scanned = avail;
        if (!fill(V, io, &err)) {
            if (err)
                return err;
            return take(V, io, io->inlen - io->inpos, 0, &args[0]); /* the last line, or "" */
        }
    }
}

static int std_eof_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    std_io *io = get_io(V);
    if (!io)
        return std_oom(V);
    int err = 0;
    if (io->inpos == io->inlen && !fill(V, io, &err) && err)
        return err;
    args[0].i = io->inpos == io->inlen;
    return 0;
}

static int std_read_all_locked(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    std_io *io = get_io(V);
    if (!io)
        return std_oom(V);
    int err = 0;
    while (fill(V, io, &err))
        ;
    if (err)
        return err;
    return take(V, io, io->inlen - io->inpos, 0, &args[0]);
}

/* "read_file: what \"path\": reason", the path quoted with print's
 * escapes and cut to a readable length. */
static int file_error(vm_state *V, const char *what, const vm_string *path, int errnum)
{
    vm_buf b;
    vm_buf_init(&b);
    size_t n = (size_t)vm_string_len(path);
    enum { MAXSHOWN = 200 };
    vm_buf_addquoted(&b, vm_string_data(path), n > MAXSHOWN ? MAXSHOWN : n);
    if (n > MAXSHOWN)
        vm_buf_add(&b, "...", 3);
    int r = b.oom ? vm_error(V, "read_file: %s: %s", what, strerror(errnum))
                  : vm_error(V, "read_file: %s %s: %s", what, b.data, strerror(errnum));
    vm_buf_free(&b);
    return r;
}

int std_read_file(vm_state *V, vm_value *args, int nargs, const int32_t *types)
{
    (void)nargs, (void)types;
    const vm_string *path = args[0].p;
    size_t plen = (size_t)vm_string_len(path);
    if (plen == 0 || memchr(vm_string_data(path), '\0', plen))
        return file_error(V, "cannot open", path, plen ? EINVAL : ENOENT);
    FILE *f = fopen(vm_string_data(path), "rb");
    if (!f)
        return file_error(V, "cannot open", path, errno);
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < IN_CHUNK) {
            size_t ncap = cap ? cap * 2 : IN_CHUNK;
            char *b = realloc(buf, ncap);
            if (!b) {
                free(buf);
                fclose(f);
                return std_oom(V);
            }
            buf = b;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int rerr = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (rerr) {
        free(buf);
        return file_error(V, "cannot read", path, rerr);
    }
    /* path (an argument slot) is no longer needed: the result replaces it */
    vm_string *s = std_string_alloc(V, (int64_t)len);
    if (s)
        memcpy(s->data, buf, len);
    free(buf);
    if (!s)
        return std_oom(V);
    args[0].p = s;
    return 0;
}

/* The bodies share the program's streams: under the library's lock. */
STD_LOCKED(std_print)
STD_LOCKED(std_write)
STD_LOCKED(std_read_line)
STD_LOCKED(std_eof)
STD_LOCKED(std_read_all)
