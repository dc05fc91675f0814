/* SPDX-License-Identifier: MIT */
#ifndef SXS_UTIL_STATUS_H
#define SXS_UTIL_STATUS_H

#include <stdarg.h>
#include <stddef.h>

/*
 * Error codes.  Library functions return 0 on success or the negated code
 * (-SXS_EFORMAT, ...).  An error means sxscheck could not examine
 * something; problems *in the Windows image* are findings (check/findings.h).
 */
enum sxs_status {
	SXS_OK = 0,
	SXS_ENOMEM,       /* out of memory */
	SXS_EIO,          /* read error */
	SXS_ENOENT,       /* no such file or key */
	SXS_EFORMAT,      /* malformed input */
	SXS_EUNSUPPORTED, /* valid but not supported (yet) */
	SXS_ELIMIT,       /* input exceeds a SXS_MAX_* limit */
	SXS_EHASH,        /* embedded hash did not match */
	SXS_EINVAL,       /* bad argument */
	SXS_ELINK,        /* refused to follow a symbolic link */
	SXS_EACCES,       /* permission denied */
	SXS_ETRUNC,       /* input ends early */
	SXS_ENAME,        /* unsafe name from the image (.., /, NUL, ...) */
	SXS_ENOTDIR,      /* not a directory / not a regular file */
	SXS_E_COUNT
};

const char *sxs_strerror(int err);

/* Map an errno value to a (positive) sxs_status. */
int sxs_errno_status(int errnum);

/*
 * A diagnostic: one line saying why something failed, filled in by the
 * innermost function that knows.  Every function taking a diag accepts NULL.
 */
#define SXS_DIAG_MAX 256
struct sxs_diag {
	char msg[SXS_DIAG_MAX];
};

#if defined(__GNUC__)
#define SXS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SXS_PRINTF(a, b)
#endif

/* Set diag->msg (when diag is non-NULL and still empty) and return -err. */
int sxs_diag_set(struct sxs_diag *diag, int err, const char *fmt, ...) SXS_PRINTF(3, 4);
void sxs_diag_clear(struct sxs_diag *diag);
/* The message, or sxs_strerror(err) when none was set. */
const char *sxs_diag_msg(const struct sxs_diag *diag, int err);

/* Checked size arithmetic: return 0, or -SXS_ELIMIT on overflow. */
static inline int sxs_add_size(size_t a, size_t b, size_t *ret)
{
	if (__builtin_add_overflow(a, b, ret))
		return -SXS_ELIMIT;
	return 0;
}

static inline int sxs_mul_size(size_t a, size_t b, size_t *ret)
{
	if (__builtin_mul_overflow(a, b, ret))
		return -SXS_ELIMIT;
	return 0;
}

#endif
