/* SPDX-License-Identifier: MIT */
#include "util/status.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const messages[SXS_E_COUNT] = {
	[SXS_OK] = "success",
	[SXS_ENOMEM] = "out of memory",
	[SXS_EIO] = "input/output error",
	[SXS_ENOENT] = "not found",
	[SXS_EFORMAT] = "malformed data",
	[SXS_EUNSUPPORTED] = "unsupported format",
	[SXS_ELIMIT] = "size limit exceeded",
	[SXS_EHASH] = "hash mismatch",
	[SXS_EINVAL] = "invalid argument",
	[SXS_ELINK] = "refusing to follow symbolic link",
	[SXS_EACCES] = "permission denied",
	[SXS_ETRUNC] = "truncated data",
	[SXS_ENAME] = "unsafe name",
	[SXS_ENOTDIR] = "wrong file type",
};

const char *sxs_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= SXS_E_COUNT)
		return "unknown error";
	return messages[err];
}

int sxs_errno_status(int errnum)
{
	switch (errnum) {
	case ENOMEM:
		return SXS_ENOMEM;
	case ENOENT:
		return SXS_ENOENT;
	case EACCES:
	case EPERM:
		return SXS_EACCES;
	case ELOOP:
		return SXS_ELINK;
	case ENOTDIR:
	case EISDIR:
		return SXS_ENOTDIR;
	case EFBIG:
	case EOVERFLOW:
		return SXS_ELIMIT;
	default:
		return SXS_EIO;
	}
}

int sxs_diag_set(struct sxs_diag *diag, int err, const char *fmt, ...)
{
	if (err < 0)
		err = -err;
	if (diag && diag->msg[0] == '\0') {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
		va_end(ap);
	}
	return -err;
}

void sxs_diag_clear(struct sxs_diag *diag)
{
	if (diag)
		diag->msg[0] = '\0';
}

const char *sxs_diag_msg(const struct sxs_diag *diag, int err)
{
	if (diag && diag->msg[0])
		return diag->msg;
	return sxs_strerror(err);
}
