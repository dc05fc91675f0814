/* SPDX-License-Identifier: MIT */
#ifndef SXS_STORE_POWER_H
#define SXS_STORE_POWER_H

#include <stddef.h>
#include <stdint.h>

/* What hiberfil.sys says (store/power.c has the signatures and sources). */
enum sxs_hiber_state {
	SXS_HIBER_NOT_CHECKED, /* ROOT is the Windows folder: the volume root is out of reach */
	SXS_HIBER_NONE,        /* no hiberfil.sys */
	SXS_HIBER_CLEAN,       /* zeroed or "wake": not hibernated */
	SXS_HIBER_HIBERNATED,  /* "hibr"/"HIBR": hibernated or Fast Startup */
	SXS_HIBER_RESUMING,    /* "RSTR": a resume began and did not finish */
	SXS_HIBER_UNKNOWN,     /* another header, or unreadable */
};

struct sxs_image;

const char *sxs_hiber_state_name(enum sxs_hiber_state s);
/* Classify the first bytes of hiberfil.sys. */
enum sxs_hiber_state sxs_hiber_classify(const uint8_t *head, size_t len);
/*
 * Read ROOT/hiberfil.sys (any case, no links followed, first 4 KiB only).
 * sig_ret gets its first 4 bytes as text, or as hex when not printable.
 * 0 or -SXS_ENOMEM.
 */
int sxs_image_hibernation(const struct sxs_image *img, enum sxs_hiber_state *state_ret,
                          char sig_ret[9]);

#endif
