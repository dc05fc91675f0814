/* SPDX-License-Identifier: MIT */
#include "hive/hive_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/alloc.h"
#include "util/bytes.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------------ */
/* errors                                                             */

int sxs_hive_hx_error(const struct sxs_hive *h, struct sxs_diag *diag, int errnum,
                      const char *what, size_t off)
{
	int err;
	const char *why;

	switch (errnum) {
	case ENOMEM:
		err = SXS_ENOMEM;
		why = "out of memory";
		break;
	case ERANGE:
	case EOVERFLOW:
		err = SXS_ELIMIT;
		why = "exceeds hivex's limits (too many subkeys or values, or value too long)";
		break;
	case ELOOP:
		err = SXS_EFORMAT;
		why = "subkey loop";
		break;
	case EILSEQ:
		err = SXS_EFORMAT;
		why = "name is not valid UTF-16";
		break;
	case 0:
	case EINVAL:
	case EFAULT:
	case ENOTSUP:
	case ENOKEY:
		err = SXS_EFORMAT;
		why = "malformed hive structure";
		break;
	default:
		err = sxs_errno_status(errnum);
		why = sxs_strerror(err);
		break;
	}
	return sxs_diag_set(diag, err, "%s: %s at 0x%zx: %s", h->display, what, off, why);
}

/* ------------------------------------------------------------------ */
/* names                                                              */

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c;
}

bool sxs_hive_name_eq(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
	for (; *x && *y; x++, y++)
		if (ascii_lower(*x) != ascii_lower(*y))
			return false;
	return *x == *y;
}

uint32_t sxs_hive_name_hash(const char *s)
{
	uint32_t hash = 2166136261u; /* FNV-1a over lower-cased bytes */
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		hash ^= ascii_lower(*p);
		hash *= 16777619u;
	}
	return hash;
}

/* ------------------------------------------------------------------ */
/* cells: bounds-checked access to our own mapping                    */

/*
 * The cell at absolute offset `off`: *p_ret points at its size field and
 * *len_ret is its length.  The whole cell lies inside the hive bins.
 */
static int cell_at(const struct sxs_hive *h, size_t off, const uint8_t **p_ret,
                   size_t *len_ret)
{
	if (off < REGF_BASE_SIZE + HBIN_HEADER_SIZE || off % 4 != 0 || off >= h->bins_end ||
	    4 > h->bins_end - off)
		return -SXS_EFORMAT;
	int32_t raw = (int32_t)sxs_le32(h->map + off);
	if (raw == INT32_MIN)
		return -SXS_EFORMAT;
	size_t len = (size_t)(raw < 0 ? -(int64_t)raw : raw);
	if (len < CELL_MIN_SIZE || len > h->bins_end - off)
		return -SXS_EFORMAT;
	*p_ret = h->map + off;
	*len_ret = len;
	return 0;
}

/* Cell offset field (relative to the first bin) to an absolute offset; 0 = none/bad. */
static size_t cell_ref(uint32_t rel)
{
	if (rel == REGF_NO_CELL)
		return 0;
	return (size_t)rel + REGF_BASE_SIZE;
}

static bool sig_is(const uint8_t *cell, const char sig[2])
{
	return cell[4] == (uint8_t)sig[0] && cell[5] == (uint8_t)sig[1];
}

static int check_nk(const struct sxs_hive *h, sxs_hnode node, struct sxs_diag *diag)
{
	const uint8_t *p;
	size_t len;
	if (node == 0 || cell_at(h, node, &p, &len) < 0 || len < NK_FIXED_SIZE ||
	    !sig_is(p, "nk"))
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: no valid key cell at 0x%zx",
		                    h->display, (size_t)node);
	return 0;
}

/* A leaf subkey list (lf, lh, li) must hold its declared entries. */
static int check_leaf_list(const uint8_t *p, size_t len)
{
	size_t count = sxs_le16(p + LIST_OFF_COUNT), entry;
	if (sig_is(p, "lf") || sig_is(p, "lh"))
		entry = 8;
	else if (sig_is(p, "li"))
		entry = 4;
	else
		return -SXS_EFORMAT;
	return count * entry > len - LIST_OFF_ENTRIES ? -SXS_EFORMAT : 0;
}

/*
 * hivex reads ri-records and the lists they point to without comparing the
 * entry counts with the cell sizes; check them before it does.  Windows
 * never nests ri-records, so neither do we.
 */
static int check_subkey_lists(const struct sxs_hive *h, sxs_hnode node, struct sxs_diag *diag)
{
	const uint8_t *nk = h->map + node, *p, *q;
	size_t len, qlen;

	if (sxs_le32(nk + NK_OFF_NR_SUBKEYS) == 0)
		return 0;
	size_t list = cell_ref(sxs_le32(nk + NK_OFF_SUBKEY_LIST));
	if (cell_at(h, list, &p, &len) < 0)
		goto bad;
	if (!sig_is(p, "ri")) {
		if (check_leaf_list(p, len) < 0)
			goto bad_list;
		return 0;
	}

	size_t count = sxs_le16(p + LIST_OFF_COUNT);
	if (count * 4 > len - LIST_OFF_ENTRIES)
		goto bad_list;
	for (size_t i = 0; i < count; i++) {
		size_t sub = cell_ref(sxs_le32(p + LIST_OFF_ENTRIES + 4 * i));
		if (cell_at(h, sub, &q, &qlen) < 0)
			goto bad_list;
		if (sig_is(q, "ri"))
			return sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                    "%s: nested subkey index (ri) at 0x%zx", h->display, sub);
		if (check_leaf_list(q, qlen) < 0)
			goto bad_list;
	}
	return 0;

bad_list:
	return sxs_diag_set(diag, SXS_EFORMAT,
	                    "%s: subkey list at 0x%zx of key at 0x%zx is malformed", h->display,
	                    list, (size_t)node);
bad:
	return sxs_diag_set(diag, SXS_EFORMAT,
	                    "%s: key at 0x%zx has no valid subkey list", h->display, (size_t)node);
}

/*
 * A value cell must hold its fixed fields, and data stored outside it must
 * fit its cell, or be a big-data (db) cell whose segment list holds all
 * its entries (hivex does not check that list's length).
 */
static int check_vk(const struct sxs_hive *h, size_t value, struct sxs_diag *diag)
{
	const uint8_t *p, *d, *l;
	size_t len, dlen, llen;

	if (cell_at(h, value, &p, &len) < 0 || len < VK_FIXED_SIZE || !sig_is(p, "vk"))
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: no valid value cell at 0x%zx",
		                    h->display, value);
	uint32_t data_len = sxs_le32(p + VK_OFF_DATA_LEN);
	if (data_len & VK_DATA_INLINE)
		return (data_len & ~VK_DATA_INLINE) > 4
		               ? sxs_diag_set(diag, SXS_EFORMAT,
		                              "%s: value at 0x%zx: inline data longer than 4 bytes",
		                              h->display, value)
		               : 0;
	if (data_len == 0)
		return 0;
	size_t data = cell_ref(sxs_le32(p + VK_OFF_DATA));
	if (cell_at(h, data, &d, &dlen) < 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: value at 0x%zx: bad data offset",
		                    h->display, value);
	if (data_len <= dlen - 4)
		return 0;
	if (dlen < DB_FIXED_SIZE || !sig_is(d, "db"))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "%s: value at 0x%zx: data length %u exceeds its cell (%zu bytes)",
		                    h->display, value, data_len, dlen - 4);
	size_t nseg = sxs_le16(d + DB_OFF_NR_SEGMENTS);
	size_t list = cell_ref(sxs_le32(d + DB_OFF_SEGMENT_LIST));
	if (cell_at(h, list, &l, &llen) < 0 || nseg * 4 > llen - 4)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "%s: value at 0x%zx: malformed big-data segment list",
		                    h->display, value);
	return 0;
}

/* ------------------------------------------------------------------ */
/* opening                                                            */

/*
 * hivex maps the hive itself and hivex_open() reads every page of it, so
 * the whole file stays resident for as long as the handle is open.  hivex
 * does not say where its mapping is; /proc/self/maps does: the one
 * read-only mapping of this file (device and inode) that is not ours.  If
 * it is not found (no /proc, or a hivex that reads the file into memory)
 * nothing is trimmed.
 */
static void find_hivex_map(struct sxs_hive *h, const struct stat *st)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end, off, ino;
		unsigned dmaj, dmin;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s %lx %x:%x %lu", &start, &end, perms, &off, &dmaj,
		           &dmin, &ino) != 7)
			continue;
		if (ino != (unsigned long)st->st_ino || dmaj != major(st->st_dev) ||
		    dmin != minor(st->st_dev) || off != 0 || perms[0] != 'r' || perms[1] != '-')
			continue;
		if ((const uint8_t *)start == h->map || end - start < h->size)
			continue;
		h->hx_map = (void *)start;
		h->hx_len = h->size;
		break;
	}
	fclose(f);
}

/* Drop hivex's resident pages: clean file pages of a read-only mapping. */
static void trim_hivex_map(struct sxs_hive *h)
{
	if (h->hx_map)
		madvise(h->hx_map, h->hx_len, MADV_DONTNEED);
}

#define LAYOUT_TRIM_BYTES ((size_t)4 << 20)

/*
 * Everything hivex_open() trusts: the base block, then every hive bin and
 * cell header (each cell must end inside its bin), and a root key cell.
 */
static int check_layout(struct sxs_hive *h, struct sxs_diag *diag)
{
	const uint8_t *b = h->map;
	const char *name = h->display;

	if (h->size < 4 || memcmp(b, "regf", 4) != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: not a registry hive (bad signature)",
		                    name);
	if (h->size < REGF_BASE_SIZE)
		return sxs_diag_set(diag, SXS_ETRUNC, "%s: truncated base block (%zu bytes)", name,
		                    h->size);
	uint32_t type = sxs_le32(b + REGF_OFF_TYPE);
	if (type != 0)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "%s: not a primary hive file (file type %u; a transaction log?)",
		                    name, type);
	uint32_t major = sxs_le32(b + REGF_OFF_MAJOR), minor = sxs_le32(b + REGF_OFF_MINOR);
	if (major != 1)
		return sxs_diag_set(diag, SXS_EUNSUPPORTED,
		                    "%s: unsupported hive format version %u.%u", name, major, minor);
	if (!sxs_hive_base_checksum_ok(b))
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "%s: base block checksum mismatch (hive not completely written; "
		                    "Windows would recover it from its .LOG files)",
		                    name);

	h->seq1 = sxs_le32(b + REGF_OFF_SEQ1);
	h->seq2 = sxs_le32(b + REGF_OFF_SEQ2);

	uint32_t bins = sxs_le32(b + REGF_OFF_BINS_SIZE);
	if (bins == 0 || bins % 4096 != 0)
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: bad hive bins size %u", name, bins);
	if (bins > h->size - REGF_BASE_SIZE)
		return sxs_diag_set(diag, SXS_ETRUNC,
		                    "%s: truncated (header declares %u bytes of hive bins, file has "
		                    "%zu)",
		                    name, bins, h->size - REGF_BASE_SIZE);
	h->bins_end = REGF_BASE_SIZE + (size_t)bins;

	uint32_t root_rel = sxs_le32(b + REGF_OFF_ROOT);
	if (root_rel == REGF_NO_CELL || root_rel % 4 != 0 || root_rel < HBIN_HEADER_SIZE ||
	    root_rel >= bins)
		return sxs_diag_set(diag, SXS_EFORMAT, "%s: bad root key offset 0x%x", name,
		                    root_rel);
	size_t root = REGF_BASE_SIZE + (size_t)root_rel;
	bool seen_root = false;
	size_t trimmed = 0;

	for (size_t off = REGF_BASE_SIZE; off < h->bins_end;) {
		if (HBIN_HEADER_SIZE > h->bins_end - off || memcmp(b + off, "hbin", 4) != 0)
			return sxs_diag_set(diag, SXS_EFORMAT, "%s: no hive bin at 0x%zx", name, off);
		uint32_t bin_rel = sxs_le32(b + off + HBIN_OFF_OFFSET);
		uint32_t bin_size = sxs_le32(b + off + HBIN_OFF_SIZE);
		if (bin_rel != off - REGF_BASE_SIZE)
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "%s: hive bin at 0x%zx claims offset 0x%x", name, off,
			                    bin_rel);
		if (bin_size == 0 || bin_size % 4096 != 0 || bin_size > h->bins_end - off)
			return sxs_diag_set(diag, SXS_EFORMAT,
			                    "%s: hive bin at 0x%zx has bad size %u", name, off,
			                    bin_size);
		size_t bin_end = off + bin_size;
		for (size_t c = off + HBIN_HEADER_SIZE; c < bin_end;) {
			if (4 > bin_end - c)
				return sxs_diag_set(diag, SXS_EFORMAT,
				                    "%s: cell at 0x%zx runs past its hive bin", name, c);
			int32_t raw = (int32_t)sxs_le32(b + c);
			size_t len = raw == INT32_MIN ? 0 : (size_t)(raw < 0 ? -(int64_t)raw : raw);
			if (len < CELL_MIN_SIZE || len % 4 != 0)
				return sxs_diag_set(diag, SXS_EFORMAT,
				                    "%s: cell at 0x%zx has bad size %d", name, c, raw);
			if (len > bin_end - c)
				return sxs_diag_set(diag, SXS_EFORMAT,
				                    "%s: cell at 0x%zx runs past its hive bin", name, c);
			if (c == root) {
				if (raw > 0 || len < NK_FIXED_SIZE || memcmp(b + c + 4, "nk", 2) != 0)
					return sxs_diag_set(diag, SXS_EFORMAT,
					                    "%s: root cell at 0x%zx is not a key", name,
					                    c);
				seen_root = true;
			}
			c += len;
		}
		off = bin_end;
		/* let go of what was checked, a few MiB at a time (see trim_map) */
		if (off - trimmed >= LAYOUT_TRIM_BYTES) {
			size_t end = off & ~(size_t)(4096 - 1);
			madvise((void *)(b + trimmed), end - trimmed, MADV_DONTNEED);
			trimmed = end;
		}
	}
	if (!seen_root)
		return sxs_diag_set(diag, SXS_EFORMAT,
		                    "%s: root key offset 0x%x is not the start of a cell", name,
		                    root_rel);
	h->root = root;
	return 0;
}

static bool safe_relpath(const char *p)
{
	if (p[0] == '\0' || p[0] == '/')
		return false;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

/*
 * A dirty hive is read as Windows would load it: replay its logs onto a
 * copy in memory (replay.h).  On success the copy replaces the mapping of
 * the primary and *fd (the file hivex is given) becomes an anonymous file
 * holding it; the file on disk is only read.  When the logs cannot recover
 * the hive, the primary is kept and the reason noted.
 */
static int replay_if_dirty(struct sxs_hive *h, int dir_fd, const char *base, int *fd,
                           struct stat *st)
{
	struct sxs_hive_logs logs;
	struct sxs_replay *r = &h->replay;
	struct sxs_replay_sink sink;
	int err = sxs_hive_logs_load(dir_fd, base, &logs);
	if (err)
		return err;
	h->has_logs = (logs.present[0] && logs.len[0] > 0) || (logs.present[1] && logs.len[1] > 0);
	/* recovered bytes go straight into a memory file hivex then reads */
	sxs_hive_anon_sink(&h->anon, &sink);
	err = sxs_replay_run_to(h->map, h->size, logs.map[0], logs.len[0], logs.map[1],
	                        logs.len[1], &sink, r, NULL);
	if (!err)
		sxs_hive_logs_notes(&logs, r);
	sxs_hive_logs_release(&logs);
	if (err == -SXS_ENOMEM && h->anon.err) {
		/* no memory file (a full /tmp, no memfd): read the primary as it is */
		int why = h->anon.err;
		h->file_dirty = true;
		h->recovery = SXS_HIVE_UNREPLAYED;
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&sb, "not replayed: no memory file for the recovered hive (%s)",
		                sxs_strerror(why));
		h->recovery_note = sxs_strbuf_detach(&sb, NULL);
		return h->recovery_note ? 0 : -SXS_ENOMEM;
	}
	if (err)
		return err == -SXS_ENOMEM ? err : 0; /* not a primary hive: check_layout says so */
	if (r->state == SXS_REPLAY_CLEAN)
		return 0;
	h->file_dirty = true;
	h->recovery = r->state == SXS_REPLAY_DONE ? SXS_HIVE_REPLAYED : SXS_HIVE_UNREPLAYED;
	err = sxs_replay_describe(r, base, &h->recovery_note);
	if (err || r->state != SXS_REPLAY_DONE)
		return err;

	/* the recovered bytes must hold up as a hive before they replace the file */
	struct sxs_diag why = {{0}};
	const uint8_t *old_map = h->map;
	size_t old_size = h->size;
	(void)mprotect(r->data, r->len, PROT_READ);
	h->map = r->data;
	h->size = r->len;
	if (check_layout(h, &why) == 0) {
		munmap((void *)old_map, old_size);
		close(*fd);
		*fd = h->anon.fd; /* closed by sxs_hive_open once hivex has opened it */
		h->anon.fd = -1;
		(void)fstat(*fd, st);
		r->data = NULL; /* now h->map, unmapped by sxs_hive_free */
		return 0;
	}
	/* malformed after replay: read the primary as it is */
	h->map = old_map;
	h->size = old_size;
	sxs_replay_release(r);
	h->recovery = SXS_HIVE_UNREPLAYED;
	sxs_free(h->recovery_note);
	h->recovery_note = NULL;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "not replayed: the logs leave a malformed hive (%s)", why.msg);
	h->recovery_note = sxs_strbuf_detach(&sb, NULL);
	return h->recovery_note ? 0 : -SXS_ENOMEM;
}

int sxs_hive_open(int dirfd, const char *relpath, const char *display,
                  struct sxs_hive **ret, struct sxs_diag *diag)
{
	struct sxs_hive *h = NULL;
	char *dirpart = NULL;
	int dir_fd = -1, fd = -1, err;
	const char *base;

	if (!relpath || !ret)
		return sxs_diag_set(diag, SXS_EINVAL, "sxs_hive_open: missing argument");
	if (!display)
		display = relpath;
	if (!safe_relpath(relpath))
		return sxs_diag_set(diag, SXS_ENAME, "%s: unsafe hive path", display);

	h = sxs_calloc(1, sizeof(*h));
	if (!h) {
		err = -SXS_ENOMEM;
		goto out;
	}
	h->display = sxs_strdup(display);
	if (!h->display) {
		err = -SXS_ENOMEM;
		goto out;
	}

	base = strrchr(relpath, '/');
	if (base) {
		dirpart = sxs_strndup(relpath, (size_t)(base - relpath) + 1);
		if (!dirpart) {
			err = -SXS_ENOMEM;
			goto out;
		}
		base++;
		dir_fd = openat(dirfd, dirpart, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (dir_fd < 0) {
			int st = sxs_errno_status(errno);
			err = sxs_diag_set(diag, st, "%s: cannot open its directory: %s", display,
			                   sxs_strerror(st));
			goto out;
		}
	} else {
		base = relpath;
	}
	if (base[0] == '\0') {
		err = sxs_diag_set(diag, SXS_ENAME, "%s: unsafe hive path", display);
		goto out;
	}

	/* O_NONBLOCK: a FIFO planted in the image must not hang us. */
	fd = openat(dir_fd >= 0 ? dir_fd : dirfd, base,
	            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int st = sxs_errno_status(errno);
		err = sxs_diag_set(diag, st, "%s: cannot open: %s", display, sxs_strerror(st));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "%s: cannot stat", display);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = sxs_diag_set(diag, SXS_ENOTDIR, "%s: not a regular file", display);
		goto out;
	}
	if ((uint64_t)st.st_size > SXS_MAX_HIVE_SIZE) {
		err = sxs_diag_set(diag, SXS_ELIMIT, "%s: hive is %lld bytes, limit is %llu",
		                   display, (long long)st.st_size,
		                   (unsigned long long)SXS_MAX_HIVE_SIZE);
		goto out;
	}
	h->size = (size_t)st.st_size;
	if (h->size == 0) {
		err = sxs_diag_set(diag, SXS_EFORMAT, "%s: not a registry hive (empty file)",
		                   display);
		goto out;
	}
	void *map = mmap(NULL, h->size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = sxs_diag_set(diag, sxs_errno_status(errno), "%s: cannot map the file",
		                   display);
		goto out;
	}
	h->map = map;

	err = replay_if_dirty(h, dir_fd >= 0 ? dir_fd : dirfd, base, &fd, &st);
	if (err < 0)
		goto out;
	if (h->recovery == SXS_HIVE_REPLAYED) {
		/* the file's own numbers, not the recovered ones */
		h->seq1 = h->replay.seq1;
		h->seq2 = h->replay.seq2;
	} else {
		struct sxs_diag why = {{0}};
		err = check_layout(h, &why);
		if (err < 0) {
			if (h->recovery == SXS_HIVE_UNREPLAYED)
				sxs_diag_set(diag, -err, "%s; dirty, and its logs cannot recover it (%s)",
				             why.msg, h->recovery_note);
			else
				sxs_diag_set(diag, -err, "%s", why.msg);
			goto out;
		}
	}
	/*
	 * hivex maps the file again: drop our resident copy (clean file pages,
	 * faulted back in on the rare later look) so a 100 MB COMPONENTS hive
	 * is not counted twice in the scan's memory.
	 */
	madvise((void *)h->map, h->size, MADV_DONTNEED);

	/* hivex opens by name: give it the file we checked, not the path again. */
	char fdpath[64];
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	errno = 0;
	h->hx = hivex_open(fdpath, 0);
	if (!h->hx) {
		int e = errno;
		if (e == ENOENT) /* /proc not mounted */
			err = sxs_diag_set(diag, SXS_EUNSUPPORTED,
			                   "%s: cannot hand the file to hivex (is /proc mounted?)",
			                   display);
		else
			err = sxs_hive_hx_error(h, diag, e, "hivex cannot open the hive", 0);
		goto out;
	}
	find_hivex_map(h, &st);
	trim_hivex_map(h);
	errno = 0;
	if (hivex_root(h->hx) != h->root) {
		err = sxs_hive_hx_error(h, diag, errno, "hivex finds no root key", h->root);
		goto out;
	}
	*ret = h;
	h = NULL;
	err = 0;
out:
	if (err == -SXS_ENOMEM)
		sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", display);
	if (fd >= 0)
		close(fd);
	if (dir_fd >= 0)
		close(dir_fd);
	sxs_free(dirpart);
	sxs_hive_free(h);
	return err;
}

void sxs_hive_free(struct sxs_hive *h)
{
	if (!h)
		return;
	sxs_hive_index_release(h);
	if (h->hx)
		hivex_close(h->hx);
	if (h->map)
		munmap((void *)h->map, h->size);
	sxs_replay_release(&h->replay);
	sxs_free(h->recovery_note);
	sxs_free(h->display);
	sxs_free(h);
}

const char *sxs_hive_display(const struct sxs_hive *h)
{
	return h->display;
}

const char *sxs_hive_error(const struct sxs_hive *h)
{
	return h->err.msg;
}

bool sxs_hive_is_dirty(const struct sxs_hive *h)
{
	return h->file_dirty || h->seq1 != h->seq2;
}

enum sxs_hive_recovery sxs_hive_recovery(const struct sxs_hive *h)
{
	return h->recovery;
}

const char *sxs_hive_recovery_note(const struct sxs_hive *h)
{
	return h->recovery_note ? h->recovery_note : "";
}

const struct sxs_replay *sxs_hive_replay_info(const struct sxs_hive *h)
{
	return &h->replay;
}

uint32_t sxs_hive_seq1(const struct sxs_hive *h)
{
	return h->seq1;
}

uint32_t sxs_hive_seq2(const struct sxs_hive *h)
{
	return h->seq2;
}

bool sxs_hive_has_logs(const struct sxs_hive *h)
{
	return h->has_logs;
}

sxs_hnode sxs_hive_root(const struct sxs_hive *h)
{
	return h->root;
}

/* ------------------------------------------------------------------ */
/* keys                                                               */

/*
 * Every key and value read looks at our mapping (the checks) and at
 * hivex's.  Drop the pages of both now and then -- clean file pages,
 * faulted back from the page cache when looked at again -- so a large hive
 * is not kept resident by a walk over all of its keys.
 */
#define TRIM_EVERY 4096

static void trim_map(struct sxs_hive *h)
{
	if (++h->touches >= TRIM_EVERY) {
		h->touches = 0;
		madvise((void *)h->map, h->size, MADV_DONTNEED);
		trim_hivex_map(h);
	}
}

int sxs_hive_get_children(struct sxs_hive *h, sxs_hnode node, sxs_hnode **ret,
                          size_t *n_ret, struct sxs_diag *diag)
{
	trim_map(h);
	int err = check_nk(h, node, diag);
	if (err < 0)
		return err;
	err = check_subkey_lists(h, node, diag);
	if (err < 0)
		return err;

	errno = 0;
	hive_node_h *kids = hivex_node_children(h->hx, node);
	if (!kids)
		return sxs_hive_hx_error(h, diag, errno, "cannot list subkeys of key", node);
	size_t n = 0;
	while (kids[n])
		n++;
	sxs_hnode *out = sxs_reallocarray(NULL, n ? n : 1, sizeof(*out));
	if (!out) {
		free(kids);
		return sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
	}
	for (size_t i = 0; i < n; i++)
		out[i] = kids[i];
	free(kids); /* allocated by hivex */
	*ret = out;
	*n_ret = n;
	return 0;
}

int sxs_hive_children(struct sxs_hive *h, sxs_hnode node, sxs_hnode **ret, size_t *n_ret)
{
	sxs_diag_clear(&h->err);
	return sxs_hive_get_children(h, node, ret, n_ret, &h->err);
}

int sxs_hive_get_name(struct sxs_hive *h, sxs_hnode node, char **ret, struct sxs_diag *diag)
{
	trim_map(h);
	int err = check_nk(h, node, diag);
	if (err < 0)
		return err;
	errno = 0;
	char *name = hivex_node_name(h->hx, node);
	if (!name)
		return sxs_hive_hx_error(h, diag, errno, "cannot read name of key", node);
	char *copy = sxs_strdup(name);
	free(name); /* allocated by hivex */
	if (!copy)
		return sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
	*ret = copy;
	return 0;
}

int sxs_hive_node_name(struct sxs_hive *h, sxs_hnode node, char **ret)
{
	sxs_diag_clear(&h->err);
	return sxs_hive_get_name(h, node, ret, &h->err);
}

/* ------------------------------------------------------------------ */
/* walking                                                            */

struct walk_frame {
	sxs_hnode *kids;
	size_t n, next;
};

int sxs_hive_walk(struct sxs_hive *h, sxs_hnode from, sxs_hive_walk_fn fn, void *ctx)
{
	struct sxs_diag *diag = &h->err;
	/* One bit per possible cell start (cells are 4-byte aligned). */
	size_t nbits = h->bins_end / 4;
	uint8_t *seen = sxs_calloc(nbits / 8 + 1, 1);
	struct walk_frame *stack = sxs_calloc(SXS_MAX_HIVE_DEPTH + 1, sizeof(*stack));
	size_t depth = 0;
	int err;

	sxs_diag_clear(diag);
	if (!seen || !stack) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
		goto out;
	}
	sxs_hnode node = from;
	for (;;) {
		err = check_nk(h, node, diag); /* also keeps node / 4 inside `seen` */
		if (err < 0)
			goto out;
		size_t bit = node / 4;
		if (seen[bit / 8] & (1u << (bit % 8))) {
			err = sxs_diag_set(diag, SXS_EFORMAT,
			                   "%s: key at 0x%zx is reached twice (subkey loop)",
			                   h->display, (size_t)node);
			goto out;
		}
		seen[bit / 8] |= (uint8_t)(1u << (bit % 8));

		err = fn(h, node, (unsigned)depth, ctx);
		if (err != 0)
			goto out;

		if (depth == SXS_MAX_HIVE_DEPTH) {
			err = sxs_diag_set(diag, SXS_ELIMIT,
			                   "%s: keys nested deeper than %d levels at 0x%zx",
			                   h->display, SXS_MAX_HIVE_DEPTH, (size_t)node);
			goto out;
		}
		struct walk_frame *f = &stack[depth];
		err = sxs_hive_get_children(h, node, &f->kids, &f->n, diag);
		if (err < 0)
			goto out;
		f->next = 0;
		depth++;

		/* next key: the first unvisited child up the stack */
		node = 0;
		while (depth > 0) {
			f = &stack[depth - 1];
			if (f->next < f->n) {
				node = f->kids[f->next++];
				break;
			}
			sxs_free(f->kids);
			f->kids = NULL;
			depth--;
		}
		if (depth == 0)
			break;
	}
	err = 0;
out:
	if (stack)
		for (size_t i = 0; i < depth; i++)
			sxs_free(stack[i].kids);
	sxs_free(stack);
	sxs_free(seen);
	return err;
}

/* ------------------------------------------------------------------ */
/* values                                                             */

void sxs_hive_value_release(struct sxs_hive_value *v)
{
	if (!v)
		return;
	sxs_free(v->name);
	sxs_free(v->data);
	v->name = NULL;
	v->data = NULL;
	v->len = 0;
}

void sxs_hive_values_free(struct sxs_hive_value *values, size_t n)
{
	if (!values)
		return;
	for (size_t i = 0; i < n; i++)
		sxs_hive_value_release(&values[i]);
	sxs_free(values);
}

/* Value handles of a key (hivex-allocated, 0-terminated). */
static int list_values(struct sxs_hive *h, sxs_hnode node, hive_value_h **ret,
                       struct sxs_diag *diag)
{
	trim_map(h);
	int err = check_nk(h, node, diag);
	if (err < 0)
		return err;
	errno = 0;
	hive_value_h *vals = hivex_node_values(h->hx, node);
	if (!vals)
		return sxs_hive_hx_error(h, diag, errno, "cannot list values of key", node);
	for (size_t i = 0; vals[i]; i++) {
		err = check_vk(h, vals[i], diag);
		if (err < 0) {
			free(vals);
			return err;
		}
	}
	*ret = vals;
	return 0;
}

/* The name of a value, sxs_malloc'ed. */
static int read_value_name(struct sxs_hive *h, hive_value_h v, char **ret,
                           struct sxs_diag *diag)
{
	errno = 0;
	char *name = hivex_value_key(h->hx, v);
	if (!name)
		return sxs_hive_hx_error(h, diag, errno, "cannot read name of value", v);
	char *copy = sxs_strdup(name);
	free(name);
	if (!copy)
		return sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
	*ret = copy;
	return 0;
}

/* Type and data of a value; takes ownership of `name` (also on failure). */
static int read_value(struct sxs_hive *h, hive_value_h v, char *name,
                      struct sxs_hive_value *ret, struct sxs_diag *diag)
{
	hive_type type = 0;
	size_t len = 0;
	errno = 0;
	char *data = hivex_value_value(h->hx, v, &type, &len);
	if (!data && (errno != 0 || len != 0)) {
		sxs_free(name);
		return sxs_hive_hx_error(h, diag, errno, "cannot read data of value", v);
	}
	uint8_t *copy = sxs_malloc(len ? len : 1);
	if (!copy) {
		free(data);
		sxs_free(name);
		return sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
	}
	if (len)
		memcpy(copy, data, len);
	free(data); /* allocated by hivex */
	ret->name = name;
	ret->type = (uint32_t)type;
	ret->data = copy;
	ret->len = len;
	return 0;
}

int sxs_hive_values(struct sxs_hive *h, sxs_hnode node, struct sxs_hive_value **ret,
                    size_t *n_ret)
{
	struct sxs_diag *diag = &h->err;
	hive_value_h *vals = NULL;
	struct sxs_hive_value *out = NULL;
	size_t n = 0, done = 0;
	sxs_diag_clear(diag);
	int err = list_values(h, node, &vals, diag);
	if (err < 0)
		return err;
	while (vals[n])
		n++;
	out = sxs_calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		err = sxs_diag_set(diag, SXS_ENOMEM, "%s: out of memory", h->display);
		goto out;
	}
	for (; done < n; done++) {
		char *name = NULL;
		err = read_value_name(h, vals[done], &name, diag);
		if (err < 0)
			goto out;
		err = read_value(h, vals[done], name, &out[done], diag);
		if (err < 0)
			goto out;
	}
	*ret = out;
	*n_ret = n;
	out = NULL;
	err = 0;
out:
	sxs_hive_values_free(out, done);
	free(vals);
	return err;
}

int sxs_hive_value(struct sxs_hive *h, sxs_hnode node, const char *name,
                   struct sxs_hive_value *ret)
{
	struct sxs_diag *diag = &h->err;
	hive_value_h *vals = NULL;
	int err;

	sxs_diag_clear(diag);
	if (!name)
		return sxs_diag_set(diag, SXS_EINVAL, "%s: no value name given", h->display);
	err = list_values(h, node, &vals, diag);
	if (err < 0)
		return err;
	err = -SXS_ENOENT;
	for (size_t i = 0; vals[i]; i++) {
		char *vname = NULL;
		int r = read_value_name(h, vals[i], &vname, diag);
		if (r < 0) {
			err = r;
			break;
		}
		if (!sxs_hive_name_eq(vname, name)) {
			sxs_free(vname);
			continue;
		}
		err = read_value(h, vals[i], vname, ret, diag);
		break;
	}
	free(vals);
	return err;
}

/* ------------------------------------------------------------------ */
/* typed views                                                        */

static void put_utf8(uint8_t **p, uint32_t cp)
{
	uint8_t *o = *p;
	if (cp < 0x80) {
		*o++ = (uint8_t)cp;
	} else if (cp < 0x800) {
		*o++ = (uint8_t)(0xc0 | (cp >> 6));
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (uint8_t)(0xe0 | (cp >> 12));
		*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (uint8_t)(0xf0 | (cp >> 18));
		*o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (uint8_t)(0x80 | (cp & 0x3f));
	}
	*p = o;
}

int sxs_hive_value_string(const struct sxs_hive_value *v, char **ret)
{
	if (v->type != SXS_REG_SZ && v->type != SXS_REG_EXPAND_SZ)
		return -SXS_EFORMAT;

	/* Code units up to the first NUL; an odd trailing byte is fine after it. */
	size_t units = 0;
	bool terminated = false;
	for (; 2 * units + 1 < v->len; units++) {
		if (sxs_le16(v->data + 2 * units) == 0) {
			terminated = true;
			break;
		}
	}
	if (!terminated && v->len % 2 != 0)
		return -SXS_EFORMAT;

	/* Each UTF-16 unit becomes at most 3 UTF-8 bytes (pairs: 4 for 2). */
	size_t cap;
	if (sxs_mul_size(units, 3, &cap) < 0 || sxs_add_size(cap, 1, &cap) < 0)
		return -SXS_ELIMIT;
	uint8_t *out = sxs_malloc(cap), *o = out;
	if (!out)
		return -SXS_ENOMEM;
	for (size_t i = 0; i < units; i++) {
		uint32_t cp = sxs_le16(v->data + 2 * i);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			uint32_t lo = i + 1 < units ? sxs_le16(v->data + 2 * (i + 1)) : 0;
			if (lo < 0xdc00 || lo > 0xdfff)
				goto bad;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			i++;
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			goto bad;
		}
		put_utf8(&o, cp);
	}
	*o = '\0';
	*ret = (char *)out;
	return 0;
bad:
	sxs_free(out);
	return -SXS_EFORMAT;
}

int sxs_hive_value_dword(const struct sxs_hive_value *v, uint32_t *ret)
{
	if (v->len != 4)
		return -SXS_EFORMAT;
	if (v->type == SXS_REG_DWORD)
		*ret = sxs_le32(v->data);
	else if (v->type == SXS_REG_DWORD_BIG_ENDIAN)
		*ret = (uint32_t)v->data[0] << 24 | (uint32_t)v->data[1] << 16 |
		       (uint32_t)v->data[2] << 8 | v->data[3];
	else
		return -SXS_EFORMAT;
	return 0;
}

int sxs_hive_value_qword(const struct sxs_hive_value *v, uint64_t *ret)
{
	if (v->type != SXS_REG_QWORD || v->len != 8)
		return -SXS_EFORMAT;
	*ret = sxs_le64(v->data);
	return 0;
}

static int get_typed(struct sxs_hive *h, sxs_hnode node, const char *name,
                     int (*view)(const struct sxs_hive_value *, void *), void *ret)
{
	struct sxs_hive_value v;
	int err = sxs_hive_value(h, node, name, &v);
	if (err)
		return err == -SXS_ENOMEM ? err : 0;
	err = view(&v, ret);
	sxs_hive_value_release(&v);
	if (err == -SXS_ENOMEM)
		return err;
	return err ? SXS_HIVE_OTHER_TYPE : 1;
}

static int view_string(const struct sxs_hive_value *v, void *ret)
{
	return sxs_hive_value_string(v, ret);
}

static int view_dword(const struct sxs_hive_value *v, void *ret)
{
	return sxs_hive_value_dword(v, ret);
}

int sxs_hive_get_string(struct sxs_hive *h, sxs_hnode node, const char *name, char **ret)
{
	*ret = NULL;
	int rc = get_typed(h, node, name, view_string, ret);
	if (rc != 1)
		*ret = NULL;
	return rc;
}

int sxs_hive_get_dword(struct sxs_hive *h, sxs_hnode node, const char *name, uint32_t *ret)
{
	uint32_t d;
	int rc = get_typed(h, node, name, view_dword, &d);
	if (rc == 1)
		*ret = d;
	return rc;
}
