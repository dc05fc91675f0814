/* SPDX-License-Identifier: MIT */
/*
 * CbsPersist_*.cab through libmspack (the only file that includes
 * <mspack.h>; cbslog.md §7).  A persisted cab holds one LZX folder with one
 * log; libmspack decodes it bit-exactly.  No temporary file: a custom
 * mspack_system reads the cab from the caller's fd (or memory) and hands
 * every decompressed block straight to the record reader, so memory stays
 * bounded by the largest record whatever the cab expands to.  A damaged or
 * truncated cab is reported on the log (err/error), never a crash.
 */
#include <errno.h>
#include <mspack.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cbslog/cab.h"
#include "util/alloc.h"

struct sys_file {
	int kind;              /* 0 input, 1 output */
	/* input */
	int fd;
	const uint8_t *mem;
	uint64_t size, pos;
	/* output */
	struct sxs_cbs_stream *stream;
	uint64_t written, limit;
	bool over_limit;
	int stream_err;
};

struct sys {
	struct mspack_system ms; /* first: libmspack passes this pointer back */
	struct sys_file in;
	struct sys_file out;
};

static struct mspack_file *sys_open(struct mspack_system *self, const char *filename, int mode)
{
	struct sys *s = (struct sys *)self;
	if (!strcmp(filename, "in") && mode == MSPACK_SYS_OPEN_READ) {
		s->in.pos = 0;
		return (struct mspack_file *)&s->in;
	}
	if (!strcmp(filename, "out") && mode == MSPACK_SYS_OPEN_WRITE)
		return (struct mspack_file *)&s->out;
	return NULL;
}

static void sys_close(struct mspack_file *file)
{
	(void)file;
}

static int sys_read(struct mspack_file *file, void *buffer, int bytes)
{
	struct sys_file *f = (struct sys_file *)file;
	if (f->kind != 0 || bytes < 0)
		return -1;
	uint64_t left = f->pos < f->size ? f->size - f->pos : 0;
	size_t n = (uint64_t)bytes < left ? (size_t)bytes : (size_t)left;
	if (!n)
		return 0;
	if (f->mem) {
		memcpy(buffer, f->mem + f->pos, n);
	} else {
		ssize_t r;
		do
			r = pread(f->fd, buffer, n, (off_t)f->pos);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -1;
		n = (size_t)r;
	}
	f->pos += n;
	return (int)n;
}

static int sys_write(struct mspack_file *file, void *buffer, int bytes)
{
	struct sys_file *f = (struct sys_file *)file;
	if (f->kind != 1 || bytes < 0)
		return -1;
	if (f->written + (uint64_t)bytes > f->limit) {
		f->over_limit = true;
		return -1;
	}
	f->written += (uint64_t)bytes;
	if (f->stream && !f->stream_err) {
		f->stream_err = sxs_cbs_stream_feed(f->stream, buffer, (size_t)bytes);
		if (f->stream_err)
			return -1;
	}
	return bytes;
}

static int sys_seek(struct mspack_file *file, off_t offset, int mode)
{
	struct sys_file *f = (struct sys_file *)file;
	int64_t base;
	if (f->kind != 0)
		return -1;
	switch (mode) {
	case MSPACK_SYS_SEEK_START:
		base = 0;
		break;
	case MSPACK_SYS_SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case MSPACK_SYS_SEEK_END:
		base = (int64_t)f->size;
		break;
	default:
		return -1;
	}
	int64_t np = base + (int64_t)offset;
	if (np < 0 || (uint64_t)np > f->size)
		return -1;
	f->pos = (uint64_t)np;
	return 0;
}

static off_t sys_tell(struct mspack_file *file)
{
	return (off_t)((struct sys_file *)file)->pos;
}

static void sys_message(struct mspack_file *file, const char *format, ...)
{
	(void)file;
	(void)format; /* the library never prints */
}

static void *sys_alloc(struct mspack_system *self, size_t bytes)
{
	(void)self;
	return sxs_malloc(bytes);
}

static void sys_free(void *ptr)
{
	sxs_free(ptr);
}

static void sys_copy(void *src, void *dest, size_t bytes)
{
	memmove(dest, src, bytes);
}

static const char *mspack_error(int e)
{
	switch (e) {
	case MSPACK_ERR_OPEN:
		return "cannot be opened";
	case MSPACK_ERR_READ:
		return "read error or truncated";
	case MSPACK_ERR_WRITE:
		return "output error";
	case MSPACK_ERR_SEEK:
		return "truncated (seek past the end)";
	case MSPACK_ERR_NOMEMORY:
		return "out of memory";
	case MSPACK_ERR_SIGNATURE:
		return "not a cabinet (no MSCF signature)";
	case MSPACK_ERR_DATAFORMAT:
		return "damaged cabinet (bad header or folder data)";
	case MSPACK_ERR_CHECKSUM:
		return "damaged cabinet (data block checksum mismatch)";
	case MSPACK_ERR_DECRUNCH:
		return "damaged cabinet (the compressed data does not decode)";
	default:
		return "unreadable cabinet";
	}
}

static const char *method_name(int comp_type)
{
	switch (comp_type & 0x0F) {
	case MSCAB_COMP_NONE:
		return "stored";
	case MSCAB_COMP_MSZIP:
		return "MSZIP";
	case MSCAB_COMP_QUANTUM:
		return "Quantum";
	case MSCAB_COMP_LZX:
		return "LZX";
	default:
		return "an unknown method";
	}
}

static struct sxs_cbs_log *new_log(const char *name, const char *member)
{
	struct sxs_cbs_log *log = sxs_calloc(1, sizeof(*log));
	if (!log)
		return NULL;
	log->name = sxs_strdup(name);
	log->member = member ? sxs_strdup(member) : NULL;
	for (char *p = log->member; p && *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (!log->name || (member && !log->member)) {
		sxs_cbs_log_free(log);
		return NULL;
	}
	return log;
}

static int fail_log(struct sxs_cbs_log *log, int err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* names inside a cab are the cab's: one line, no control characters */
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	log->err = err;
	sxs_free(log->error);
	log->error = sxs_strdup(buf);
	return log->error ? 0 : -SXS_ENOMEM;
}

static int push_log(struct sxs_cbs_log ***v, size_t *n, struct sxs_cbs_log *log)
{
	struct sxs_cbs_log **p = sxs_reallocarray(*v, *n + 1, sizeof(*p));
	if (!p) {
		sxs_cbs_log_free(log);
		return -SXS_ENOMEM;
	}
	*v = p;
	p[(*n)++] = log;
	return 0;
}

/* A log that says only why the file could not be read. */
static int error_log(struct sxs_cbs_log ***logs, size_t *nlogs, const char *name, int err, const char *why)
{
	struct sxs_cbs_log *log = new_log(name, NULL);
	if (!log)
		return -SXS_ENOMEM;
	if (fail_log(log, err, "%s: %s", name, why)) {
		sxs_cbs_log_free(log);
		return -SXS_ENOMEM;
	}
	return push_log(logs, nlogs, log);
}

int sxs_cbs_cab_read(int fd, const void *mem, uint64_t size, const char *name, struct sxs_cbs_log ***logs,
                     size_t *nlogs)
{
	struct sys s;
	int err = 0;
	memset(&s, 0, sizeof(s));
	s.ms.open = sys_open;
	s.ms.close = sys_close;
	s.ms.read = sys_read;
	s.ms.write = sys_write;
	s.ms.seek = sys_seek;
	s.ms.tell = sys_tell;
	s.ms.message = sys_message;
	s.ms.alloc = sys_alloc;
	s.ms.free = sys_free;
	s.ms.copy = sys_copy;
	s.ms.null_ptr = NULL;
	s.in.kind = 0;
	s.in.fd = fd;
	s.in.mem = mem;
	s.in.size = size;
	s.out.kind = 1;

	struct mscab_decompressor *d = mspack_create_cab_decompressor(&s.ms);
	if (!d)
		return -SXS_ENOMEM;
	struct mscabd_cabinet *cab = d->open(d, "in");
	if (!cab) {
		int e = d->last_error(d);
		mspack_destroy_cab_decompressor(d);
		return error_log(logs, nlogs, name, e == MSPACK_ERR_NOMEMORY ? -SXS_ENOMEM : -SXS_EFORMAT,
		                 mspack_error(e));
	}
	size_t members = 0;
	uint64_t total = 0;
	for (struct mscabd_file *f = cab->files; f && !err; f = f->next) {
		struct sxs_cbs_log *log = new_log(name, f->filename ? f->filename : "?");
		if (!log) {
			err = -SXS_ENOMEM;
			break;
		}
		if (++members > SXS_MAX_CAB_MEMBERS) {
			err = fail_log(log, -SXS_ELIMIT, "%s: more than %d files in the cabinet; the rest was not read",
			               name, SXS_MAX_CAB_MEMBERS);
			if (!err)
				err = push_log(logs, nlogs, log);
			else
				sxs_cbs_log_free(log);
			break;
		}
		int ct = f->folder ? f->folder->comp_type : -1;
		if (ct < 0 || (ct & 0x0F) > MSCAB_COMP_LZX) {
			err = fail_log(log, -SXS_EUNSUPPORTED, "%s: %s: compressed with %s (type 0x%04x)", name,
			               log->member, method_name(ct < 0 ? 0xF : ct), (unsigned)(ct < 0 ? 0 : ct));
			if (!err)
				err = push_log(logs, nlogs, log);
			else
				sxs_cbs_log_free(log);
			continue;
		}
		struct sxs_cbs_stream *st = NULL;
		if ((err = sxs_cbs_stream_new(log, &st))) {
			sxs_cbs_log_free(log);
			break;
		}
		s.out.stream = st;
		s.out.written = 0;
		s.out.over_limit = false;
		s.out.stream_err = 0;
		s.out.limit = SXS_MAX_CAB_OUTPUT - total;
		int e = d->extract(d, f, "out");
		total += s.out.written;
		int serr = s.out.stream_err;
		if (serr == -SXS_ENOMEM) {
			sxs_cbs_stream_free(st);
			sxs_cbs_log_free(log);
			err = -SXS_ENOMEM;
			break;
		}
		int end_err = sxs_cbs_stream_end(st);
		sxs_cbs_stream_free(st);
		if (end_err == -SXS_ENOMEM) {
			sxs_cbs_log_free(log);
			err = -SXS_ENOMEM;
			break;
		}
		if (s.out.over_limit)
			err = fail_log(log, -SXS_ELIMIT, "%s: %s: expands beyond %llu bytes; read the first %llu", name,
			               log->member, (unsigned long long)SXS_MAX_CAB_OUTPUT,
			               (unsigned long long)s.out.written);
		else if (e != MSPACK_ERR_OK)
			err = fail_log(log, e == MSPACK_ERR_NOMEMORY ? -SXS_ENOMEM : -SXS_EFORMAT,
			               "%s: %s: %s after %llu of %u bytes (%s)", name, log->member, mspack_error(e),
			               (unsigned long long)s.out.written, f->length, method_name(ct));
		else if (end_err)
			err = fail_log(log, end_err, "%s: %s: %s", name, log->member, sxs_strerror(end_err));
		if (!err)
			err = push_log(logs, nlogs, log);
		else
			sxs_cbs_log_free(log);
	}
	if (!err && !members)
		err = error_log(logs, nlogs, name, -SXS_EFORMAT, "the cabinet holds no file");
	d->close(d, cab);
	mspack_destroy_cab_decompressor(d);
	return err;
}
