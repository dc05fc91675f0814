/* SPDX-License-Identifier: MIT */
/*
 * Is Windows hibernated on this volume?  hiberfil.sys at the volume root
 * starts with a signature that says whether it holds a memory image
 * Windows will resume from (issue 15):
 *
 *   "hibr" (XP-7), "HIBR" (8+, also Fast Startup's kernel-only image):
 *       hibernated; the volume is older than what Windows holds in memory.
 *       GRUB's check_nt_hiberfil tests exactly these two; ntfs-3g refuses a
 *       read-write mount on "hibr" (its volume.c, ntfs_volume_check_hiberfile).
 *   "RSTR"/"rstr": a resume began from the image and did not finish
 *       (Sylve, Marziale, Richard, "Modern Windows hibernation file
 *       analysis", Digital Investigation 2017): Windows may still resume.
 *   "wake"/"WAKE": the image was consumed or rejected at boot (volatility's
 *       HiberAddressSpace notes: "hibr" or "wake" for a valid header).
 *   all zero: Windows 8+ zeroes the header after a normal boot.
 *
 * Only the first 4 KiB are read; the file (RAM-sized) is never read whole.
 */
#include "store/power.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/alloc.h"

#define HEADER 4096

const char *sxs_hiber_state_name(enum sxs_hiber_state s)
{
	switch (s) {
	case SXS_HIBER_NOT_CHECKED:
		return "not-checked";
	case SXS_HIBER_NONE:
		return "none";
	case SXS_HIBER_CLEAN:
		return "not-hibernated";
	case SXS_HIBER_HIBERNATED:
		return "hibernated";
	case SXS_HIBER_RESUMING:
		return "resume-unfinished";
	case SXS_HIBER_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

enum sxs_hiber_state sxs_hiber_classify(const uint8_t *head, size_t len)
{
	if (len >= 4 && (!memcmp(head, "hibr", 4) || !memcmp(head, "HIBR", 4)))
		return SXS_HIBER_HIBERNATED;
	if (len >= 4 && (!memcmp(head, "RSTR", 4) || !memcmp(head, "rstr", 4)))
		return SXS_HIBER_RESUMING;
	if (len >= 4 && (!memcmp(head, "wake", 4) || !memcmp(head, "WAKE", 4)))
		return SXS_HIBER_CLEAN;
	for (size_t i = 0; i < len; i++)
		if (head[i])
			return SXS_HIBER_UNKNOWN;
	return SXS_HIBER_CLEAN; /* zeroed (or empty) */
}

int sxs_image_hibernation(const struct sxs_image *img, enum sxs_hiber_state *state_ret,
                          char sig_ret[9])
{
	uint8_t head[HEADER];
	size_t got = 0;
	int fd = -1, err;

	memset(sig_ret, 0, 9);
	/* ROOT given as the Windows folder: the volume root is not ours to reach */
	if (!img->windows_name || !strcmp(img->windows_name, ".")) {
		*state_ret = SXS_HIBER_NOT_CHECKED;
		return 0;
	}
	err = sxs_openat_ci(img->root_fd, "hiberfil.sys", 0, &fd, NULL, NULL);
	if (err == -SXS_ENOMEM)
		return err;
	if (err) {
		*state_ret = err == -SXS_ENOENT ? SXS_HIBER_NONE : SXS_HIBER_UNKNOWN;
		return 0;
	}
	while (got < sizeof(head)) {
		ssize_t n = read(fd, head + got, sizeof(head) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*state_ret = sxs_hiber_classify(head, got);
	/* the signature as printable text for the report ("HIBR", "00000000") */
	static const char hex[] = "0123456789abcdef";
	bool printable = got >= 4;
	for (size_t i = 0; i < 4 && i < got; i++)
		printable &= head[i] >= 0x20 && head[i] < 0x7f;
	if (printable)
		memcpy(sig_ret, head, 4);
	else
		for (size_t i = 0; i < 4 && i < got; i++) {
			sig_ret[2 * i] = hex[head[i] >> 4];
			sig_ret[2 * i + 1] = hex[head[i] & 15];
		}
	return 0;
}
