/* SPDX-License-Identifier: MIT */
/*
 * mkstore: write a synthetic Windows 10 component store of a chosen shape,
 * for the scan benchmark (tests/bench/bench.sh) and its smoke test.
 *
 *   mkstore [--components N] [--files N] [--bytes SIZE] [--seed S]
 *           [--hive-keys N] [--dcm PERCENT] [--hives builtin|mkhive] [--mkhive BIN]
 *           [--base FILE] --out DIR
 *
 * DIR/Windows/WinSxS/Manifests/<keyform>.manifest, DIR/Windows/WinSxS/<keyform>/<file>,
 * DIR/Windows/System32/config/{COMPONENTS,SOFTWARE}, written by regf.c (or,
 * with --hives=mkhive, by mkhive from text sources left in DIR/sources/:
 * hivex grows a hive quadratically with the children of one key, so that
 * is for small shapes and cross-checks only).  The store scans clean: every digest,
 * S256H, identity, f! value and Winners entry matches.
 *
 * Shape (see README.md):
 *  - families of 1-4 versions (60/25/10/5 %), 15 % language resources,
 *    amd64 60 %, wow64 20 %, x86 10 %, msil 10 %; 5 % win32 assemblies;
 *    component 0 is the servicing stack whose wcp.dll carries the DCM base.
 *  - 30 % of the components have no payload; the others share the files
 *    with log-normal weights (sigma 1), at least one each.
 *  - payload sizes: log-normal, sigma 2.0, scaled so the sizes add up to
 *    exactly --bytes, none above 64 MiB (default shape: median ~4 KiB,
 *    mean 30 KiB, largest ~20 MiB).
 *  - decoded manifest sizes: log-normal, median 4 KiB, sigma 0.9, clamped to
 *    1-50 KiB (more when the <file> elements alone need it), filled up with
 *    <registryKey> elements; --dcm PERCENT of them DCM-compressed against the
 *    base manifest (default 100, as on Windows 10).
 *  - PSFX differentials (psfx.md §2.1, calibration.md §1.1): --psfx PERCENT
 *    (default 30) of the payload files of updated (non-RTM) versions get
 *    r\ (PRSM reversal data back to an "RTM" file that differs from the
 *    current one by a few rewritten, moved and inserted blocks; SHA-1
 *    TargetHash) and f\ (a RAW delta from that RTM file, SHA-256; real f\
 *    are PE deltas); a tenth as many files of at most 1 MiB get n\ instead
 *    (added after RTM).  All of them apply cleanly (--deltas=full).
 *  - COMPONENTS: DerivedData\Components (identity, S256H, f!), VersionedIndex
 *    families, and CanonicalData\Catalogs filler keys up to --hive-keys
 *    (default 12.5 per component, ~250,000 for 20,000 components).
 * Everything follows from --seed: the same arguments give the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "digest/digest.h"
#include "manifest/identity.h"
#include "sxs_config.h"
#include "util/alloc.h"
#include "util/strbuf.h"
#include "regf.h"
#ifdef MKSTORE_HAVE_PA30W
#include "pa30writer.h"
#include "prsmwriter.h"
#include "util/bytes.h"
#endif

#define BUILD "10.0.17763.1613"
#define PKT "31bf3856ad364e35"
#define PKT_WIN32 "6595b64144ccf1df"
#define MAX_FILE_SIZE (64ull << 20)
#define CHUNK (1u << 20)
#define SIZE_SIGMA 2.0 /* payload sizes: log-normal */

/* ---- helpers ------------------------------------------------------------ */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("mkstore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		die("out of memory");
	return p;
}

static char *sb_take(struct sxs_strbuf *sb)
{
	if (sxs_strbuf_error(sb))
		die("out of memory");
	char *s = sxs_strbuf_detach(sb, NULL);
	if (!s)
		die("out of memory");
	return s;
}

/* splitmix64: seeds and the slow-path random numbers */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(uint64_t *s)
{
	return (double)(splitmix(s) >> 11) * (1.0 / 9007199254740992.0);
}

static unsigned below(uint64_t *s, unsigned n)
{
	return (unsigned)(uniform(s) * n);
}

static double gauss(uint64_t *s)
{
	double u1 = uniform(s), u2 = uniform(s);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* xoshiro256**: payload bytes (fast) */
struct xo {
	uint64_t s[4];
};

static void xo_seed(struct xo *x, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		x->s[i] = splitmix(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static void xo_fill(struct xo *x, uint8_t *buf, size_t n)
{
	uint64_t *s = x->s;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
		s[2] ^= s[0];
		s[3] ^= s[1];
		s[1] ^= s[2];
		s[0] ^= s[3];
		s[2] ^= t;
		s[3] = rotl(s[3], 45);
		memcpy(buf + i, &r, n - i < 8 ? n - i : 8);
	}
}

static void mkdirs(const char *path)
{
	char *p = xstrdup(path);
	for (char *q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			die("mkdir %s: %s", p, strerror(errno));
		*q = '/';
	}
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		die("mkdir %s: %s", p, strerror(errno));
	free(p);
}

static void write_all(int fd, const void *data, size_t n, const char *path)
{
	const uint8_t *p = data;
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("write %s: %s", path, strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

static void write_file(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	write_all(fd, data, n, path);
	if (close(fd) < 0)
		die("%s: %s", path, strerror(errno));
}

static uint8_t *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	size_t cap = 4096, n = 0;
	uint8_t *buf = xcalloc(cap, 1);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			if (!(buf = realloc(buf, cap)))
				die("out of memory");
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);
	*len = n;
	return buf;
}


/*
 * A minimal PE32+ DLL whose only content is resource type 0x266, id 1,
 * language 1033 = the DCM base manifest (as testdata/images/mkimages.py).
 */
static uint8_t *fake_wcp_dll(const uint8_t *base, size_t base_len, size_t *len_ret)
{
	const uint32_t file_align = 0x200, sect_align = 0x1000, rsrc_rva = 0x1000;
	const uint32_t hdr_size = 0x200, data_off = 0x58;
	uint32_t virt = data_off + (uint32_t)base_len;
	uint32_t raw = (virt + file_align - 1) / file_align * file_align;
	size_t total = hdr_size + raw;
	uint8_t *b = xcalloc(total, 1);
	/* DOS header */
	b[0] = 'M';
	b[1] = 'Z';
	sxs_put_le32(b + 0x3c, 0x80);
	/* PE + COFF header */
	uint8_t *p = b + 0x80;
	memcpy(p, "PE\0\0", 4);
	sxs_put_le16(p + 4, 0x8664);
	sxs_put_le16(p + 6, 1);    /* sections */
	sxs_put_le16(p + 20, 240); /* optional header size */
	sxs_put_le16(p + 22, 0x2022);
	/* optional header (PE32+) */
	uint8_t *o = p + 24;
	sxs_put_le16(o, 0x20b);
	o[2] = 14;
	sxs_put_le32(o + 8, raw);                 /* SizeOfInitializedData */
	sxs_put_le64(o + 24, 0x180000000ull);     /* ImageBase */
	sxs_put_le32(o + 32, sect_align);
	sxs_put_le32(o + 36, file_align);
	sxs_put_le16(o + 40, 10);
	sxs_put_le16(o + 44, 10);
	sxs_put_le16(o + 48, 10);
	sxs_put_le32(o + 56, rsrc_rva + (virt + sect_align - 1) / sect_align * sect_align);
	sxs_put_le32(o + 60, hdr_size);
	sxs_put_le16(o + 68, 3);
	sxs_put_le16(o + 70, 0x160);
	sxs_put_le64(o + 72, 0x40000);
	sxs_put_le64(o + 80, 0x1000);
	sxs_put_le64(o + 88, 0x100000);
	sxs_put_le64(o + 96, 0x1000);
	sxs_put_le32(o + 108, 16);                /* data directories */
	sxs_put_le32(o + 112 + 2 * 8, rsrc_rva);  /* resource directory */
	sxs_put_le32(o + 112 + 2 * 8 + 4, virt);
	/* section header */
	uint8_t *s = o + 240;
	memcpy(s, ".rsrc", 5);
	sxs_put_le32(s + 8, virt);
	sxs_put_le32(s + 12, rsrc_rva);
	sxs_put_le32(s + 16, raw);
	sxs_put_le32(s + 20, hdr_size);
	sxs_put_le32(s + 36, 0x40000040);
	/* resource tree: type 0x266 -> id 1 -> language 1033 -> data */
	uint8_t *r = b + hdr_size;
	sxs_put_le16(r + 14, 1);
	sxs_put_le32(r + 16, 0x266);
	sxs_put_le32(r + 20, 0x80000000u | 0x18);
	sxs_put_le16(r + 0x18 + 14, 1);
	sxs_put_le32(r + 0x18 + 16, 1);
	sxs_put_le32(r + 0x18 + 20, 0x80000000u | 0x30);
	sxs_put_le16(r + 0x30 + 14, 1);
	sxs_put_le32(r + 0x30 + 16, 1033);
	sxs_put_le32(r + 0x30 + 20, 0x48);
	sxs_put_le32(r + 0x48, rsrc_rva + data_off);
	sxs_put_le32(r + 0x48 + 4, (uint32_t)base_len);
	memcpy(r + data_off, base, base_len);
	*len_ret = total;
	return b;
}

static void base64(const uint8_t *in, size_t n, char *out)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static void hex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* ---- the shape ------------------------------------------------------------ */

struct file {
	char *name;
	uint64_t size;
	uint8_t sha256[32];
	bool wcp;
	char psfx; /* 0, 'f' (f\ + r\) or 'n' (n\) */
};

struct comp {
	struct sxs_identity id;
	char *keyform, *winners, *canonical;
	unsigned family;
	size_t first_file, nfiles;
	size_t manifest_target;
};

struct family {
	size_t first_comp, ncomps; /* versions ascending */
};

static const char *const words[] = {
	"Shell", "Setup", "Networking", "Kernel", "Graphics", "Audio", "Print", "Storage",
	"Security", "Identity", "Search", "Media", "Input", "Display", "Power", "Update",
	"Diagnostics", "Firewall", "Remote", "Desktop", "Explorer", "Services", "Registry", "Font",
	"Bluetooth", "Wireless", "Camera", "Sensors", "Speech", "Hyper-V", "Container", "Defender",
	"Telemetry", "Licensing", "Activation", "Store", "AppX", "Deployment", "Runtime", "Framework",
	"Driver", "Filter", "Manager", "Provider", "Client", "Server", "Host", "Broker",
	"Core", "Common", "Feature", "Package", "Component", "Module", "Extension", "Plugin",
	"Telephony", "Smartcard", "Crypto", "Certificate", "Authentication", "Policy", "Scheduler", "Task",
};
#define NWORDS (sizeof(words) / sizeof(*words))

static const char *const exts[] = {
	".dll", ".dll", ".dll", ".dll", ".exe", ".sys", ".mui", ".mui", ".inf", ".xml", ".dat",
	".cat", ".png", ".man", ".ttf", ".cpl",
};
#define NEXTS (sizeof(exts) / sizeof(*exts))

static const char *const cultures[] = {
	"en-US", "de-DE", "fr-FR", "ja-JP", "zh-CN", "es-ES", "pt-BR", "ru-RU", "it-IT", "ko-KR",
};

static const char *const arches[] = {"amd64", "wow64", "x86", "msil"};

struct opts {
	size_t ncomps, nfiles, hive_keys;
	uint64_t bytes;
	uint64_t seed;
	unsigned dcm_percent;
	unsigned psfx_percent;
	const char *out, *mkhive, *base;
	bool use_mkhive;
};

static struct family *fams;
static size_t nfams;
static struct comp *comps;
static struct file *files;

static void make_identities(const struct opts *o, uint64_t *rng)
{
	comps = xcalloc(o->ncomps, sizeof(*comps));
	fams = xcalloc(o->ncomps, sizeof(*fams));
	size_t c = 0;
	while (c < o->ncomps) {
		struct family *f = &fams[nfams];
		f->first_comp = c;
		struct sxs_identity base = {0};
		struct sxs_strbuf sb = SXS_STRBUF_INIT;
		unsigned versions;
		if (nfams == 0) {
			/* the servicing stack: where the DCM base manifest comes from */
			sxs_strbuf_adds(&sb, "Microsoft-Windows-ServicingStack");
			base.arch = xstrdup("amd64");
			base.version_scope = xstrdup("nonSxS");
			base.public_key_token = xstrdup(PKT);
			versions = 1;
		} else {
			double u = uniform(rng);
			versions = u < 0.60 ? 1 : u < 0.85 ? 2 : u < 0.95 ? 3 : 4;
			bool win32 = uniform(rng) < 0.05;
			sxs_strbuf_adds(&sb, win32 ? "Microsoft.Windows." : "Microsoft-Windows-");
			unsigned nw = 1 + below(rng, 3);
			for (unsigned w = 0; w < nw; w++)
				sxs_strbuf_addf(&sb, "%s%s", w ? "-" : "", words[below(rng, NWORDS)]);
			sxs_strbuf_addf(&sb, "-%zu", nfams); /* unique */
			if (uniform(rng) < 0.15) {
				sxs_strbuf_adds(&sb, ".Resources");
				base.culture = xstrdup(cultures[below(rng, sizeof(cultures) / sizeof(*cultures))]);
			}
			double a = uniform(rng);
			base.arch = xstrdup(arches[a < 0.6 ? 0 : a < 0.8 ? 1 : a < 0.9 ? 2 : 3]);
			if (win32) {
				base.type = xstrdup("win32");
				base.public_key_token = xstrdup(PKT_WIN32);
			} else {
				base.version_scope = xstrdup("nonSxS");
				base.public_key_token = xstrdup(PKT);
			}
		}
		base.name = sb_take(&sb);
		if (versions > o->ncomps - c)
			versions = (unsigned)(o->ncomps - c);
		/* distinct ascending update revisions, the last one the newest */
		unsigned rev[4], prev = 0;
		for (unsigned v = 0; v < versions; v++) {
			rev[v] = prev + 1 + below(rng, 400);
			prev = rev[v];
		}
		if (nfams == 0)
			rev[0] = 1613;
		for (unsigned v = 0; v < versions; v++, c++) {
			struct comp *k = &comps[c];
			char ver[32];
			if (sxs_identity_copy(&k->id, &base))
				die("out of memory");
			snprintf(ver, sizeof(ver), "10.0.17763.%u", rev[v]);
			k->id.version = xstrdup(ver);
			k->family = (unsigned)nfams;
			struct sxs_strbuf a = SXS_STRBUF_INIT, b = SXS_STRBUF_INIT, d = SXS_STRBUF_INIT;
			if (sxs_identity_keyform(&k->id, SXS_KEYFORM_FULL, &a) ||
			    sxs_identity_keyform(&k->id, SXS_KEYFORM_WINNERS, &b) ||
			    sxs_identity_canonical(&k->id, &d))
				die("cannot make the key form of %s", k->id.name);
			k->keyform = sb_take(&a);
			k->winners = sb_take(&b);
			k->canonical = sb_take(&d);
			f->ncomps++;
		}
		sxs_identity_release(&base);
		nfams++;
	}
}

/* Spread the files over the components and give each a size. */
static void make_files(const struct opts *o, uint64_t *rng, size_t wcp_size)
{
	size_t n = o->nfiles;
	files = xcalloc(n, sizeof(*files));
	/* which components have payload: the servicing stack always */
	size_t bearing = (size_t)((double)o->ncomps * 0.7);
	if (bearing < 1)
		bearing = 1;
	if (bearing > n)
		bearing = n;
	size_t *who = xcalloc(o->ncomps, sizeof(*who));
	for (size_t i = 0; i < o->ncomps; i++)
		who[i] = i;
	/* Fisher-Yates over 1..ncomps-1, then take component 0 plus bearing-1 */
	for (size_t i = o->ncomps - 1; i > 1; i--) {
		size_t j = 1 + (size_t)(uniform(rng) * (double)i);
		size_t t = who[i];
		who[i] = who[j];
		who[j] = t;
	}
	double *w = xcalloc(bearing, sizeof(*w)), wsum = 0;
	for (size_t i = 0; i < bearing; i++)
		wsum += (w[i] = exp(gauss(rng)));
	size_t rest = n - bearing, given = 0;
	size_t *cnt = xcalloc(o->ncomps, sizeof(*cnt));
	for (size_t i = 0; i < bearing; i++) {
		size_t k = (size_t)((double)rest * w[i] / wsum);
		cnt[who[i]] = 1 + k;
		given += k;
	}
	while (given < rest) {
		cnt[who[below(rng, (unsigned)bearing)]]++;
		given++;
	}
	size_t fi = 0;
	for (size_t c = 0; c < o->ncomps; c++) {
		comps[c].first_file = fi;
		comps[c].nfiles = cnt[c];
		fi += cnt[c];
	}
	free(w);
	free(who);
	free(cnt);

	/* sizes: log-normal, scaled to the byte budget, capped at 64 MiB */
	double *raw = xcalloc(n, sizeof(*raw));
	bool *capped = xcalloc(n, sizeof(*capped));
	for (size_t i = 0; i < n; i++)
		raw[i] = exp(SIZE_SIGMA * gauss(rng));
	files[0].wcp = true; /* component 0's first file */
	if (o->bytes < wcp_size)
		die("--bytes is smaller than wcp.dll (%zu bytes)", wcp_size);
	uint64_t budget = o->bytes - wcp_size;
	if (n > 1 && (double)budget > (double)(n - 1) * (double)MAX_FILE_SIZE)
		die("--bytes too large for --files (files are at most 64 MiB)");
	for (;;) {
		double free_raw = 0, fixed = 0;
		for (size_t i = 1; i < n; i++) {
			if (capped[i])
				fixed += (double)MAX_FILE_SIZE;
			else
				free_raw += raw[i];
		}
		double factor = free_raw > 0 ? ((double)budget - fixed) / free_raw : 0;
		bool more = false;
		for (size_t i = 1; i < n; i++)
			if (!capped[i] && raw[i] * factor > (double)MAX_FILE_SIZE) {
				capped[i] = true;
				more = true;
			}
		if (more)
			continue;
		uint64_t sum = 0;
		size_t big = n > 1 ? 1 : 0;
		for (size_t i = 1; i < n; i++) {
			files[i].size = capped[i] ? MAX_FILE_SIZE : (uint64_t)llround(raw[i] * factor);
			sum += files[i].size;
			if (files[i].size < MAX_FILE_SIZE && (files[big].size >= MAX_FILE_SIZE || files[i].size > files[big].size))
				big = i;
		}
		/* rounding: the biggest uncapped file takes the difference */
		if (n > 1) {
			int64_t diff = (int64_t)budget - (int64_t)sum;
			if (diff < 0 && (uint64_t)-diff > files[big].size)
				die("cannot fit the sizes to --bytes");
			files[big].size = (uint64_t)((int64_t)files[big].size + diff);
		}
		break;
	}
	free(raw);
	free(capped);
	files[0].size = wcp_size;

	/* names, unique within a component */
	for (size_t c = 0; c < o->ncomps; c++) {
		const struct comp *k = &comps[c];
		for (size_t j = 0; j < k->nfiles; j++) {
			struct file *f = &files[k->first_file + j];
			if (f->wcp) {
				f->name = xstrdup("wcp.dll");
				continue;
			}
			struct sxs_strbuf sb = SXS_STRBUF_INIT;
			const char *ext = exts[below(rng, NEXTS)];
			sxs_strbuf_addf(&sb, "%s%s%zu%s", words[below(rng, NWORDS)],
			                below(rng, 2) ? words[below(rng, NWORDS)] : "", j, ext);
			char *s = sb_take(&sb);
			for (char *q = s; *q; q++)
				if (*q >= 'A' && *q <= 'Z' && below(rng, 4) == 0)
					*q = (char)(*q + 32);
			f->name = s;
		}
	}
	/* PSFX differentials of updated (non-RTM) versions */
	for (size_t c = 1; c < o->ncomps; c++) {
		const struct comp *k = &comps[c];
		const char *rev = strrchr(k->id.version, '.');
		if (!rev || !strcmp(rev, ".1") || k->id.type)
			continue;
		for (size_t j = 0; j < k->nfiles; j++) {
			struct file *f = &files[k->first_file + j];
			unsigned u = below(rng, 1000);
			if (u < o->psfx_percent * 10)
				f->psfx = 'f';
			else if (u < o->psfx_percent * 11 && f->size <= (1u << 20))
				f->psfx = 'n';
		}
	}
	/* decoded manifest sizes */
	for (size_t c = 0; c < o->ncomps; c++) {
		double s = 4096.0 * exp(0.9 * gauss(rng));
		if (s < 1024)
			s = 1024;
		if (s > 51200)
			s = 51200;
		comps[c].manifest_target = (size_t)s;
	}
}

/* ---- writing -------------------------------------------------------------- */

static void write_payload(const char *path, struct file *f, uint64_t seed, size_t idx,
                          uint8_t *buf, struct sxs_digest *d, const uint8_t *wcp)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	if (sxs_digest_reset(d))
		die("digest reset failed");
	if (f->wcp) {
		write_all(fd, wcp, f->size, path);
		sxs_digest_update(d, wcp, f->size);
	} else {
		struct xo x;
		xo_seed(&x, seed ^ (0x5851f42d4c957f2dull * (idx + 1)));
		uint64_t left = f->size;
		bool first = true;
		while (left) {
			size_t n = left < CHUNK ? (size_t)left : CHUNK;
			xo_fill(&x, buf, n);
			if (first && n >= 2) {
				buf[0] = 'M'; /* looks like a PE; never a DC? container */
				buf[1] = 'Z';
			}
			first = false;
			write_all(fd, buf, n, path);
			sxs_digest_update(d, buf, n);
			left -= n;
		}
	}
	if (close(fd) < 0)
		die("%s: %s", path, strerror(errno));
	size_t len;
	if (sxs_digest_final(d, f->sha256, &len))
		die("digest failed");
}

static char *path2(const char *a, const char *b);

#ifdef MKSTORE_HAVE_PA30W
/* The payload bytes again, whole (write_payload's stream). */
static uint8_t *payload_whole(const struct file *f, uint64_t seed, size_t idx)
{
	uint8_t *b = malloc(f->size ? (size_t)f->size : 1);
	if (!b)
		die("out of memory");
	struct xo x;
	xo_seed(&x, seed ^ (0x5851f42d4c957f2dull * (idx + 1)));
	for (uint64_t at = 0; at < f->size; at += CHUNK) {
		size_t n = f->size - at < CHUNK ? (size_t)(f->size - at) : CHUNK;
		xo_fill(&x, b + at, n);
	}
	if (f->size >= 2) {
		b[0] = 'M';
		b[1] = 'Z';
	}
	return b;
}

/* An older ("RTM") build: blocks rewritten, one moved, one removed, one added. */
static uint8_t *rtm_of(const uint8_t *cur, size_t n, uint64_t *rng, size_t *len_ret)
{
	size_t blk = n / 64 < 256 ? n / 64 : 256;
	uint8_t *b = malloc(n + 600);
	if (!b)
		die("out of memory");
	memcpy(b, cur, n);
	size_t len = n;
	if (blk >= 8) {
		for (int i = 0; i < 3; i++) {
			size_t at = below(rng, (unsigned)(n - blk));
			for (size_t k = 0; k < blk; k++)
				b[at + k] = (uint8_t)splitmix(rng);
		}
		size_t cut = below(rng, (unsigned)(n - blk)); /* removed */
		memmove(b + cut, b + cut + blk, len - cut - blk);
		len -= blk;
		size_t ins = below(rng, (unsigned)len); /* added */
		memmove(b + ins + 512, b + ins, len - ins);
		for (size_t k = 0; k < 512; k++)
			b[ins + k] = (uint8_t)splitmix(rng);
		len += 512;
	} else if (n) {
		b[n / 2] ^= 0x5A;
	}
	*len_ret = len;
	return b;
}

static void write_psfx_file(const char *folder, const char *sub, const char *name,
                            const uint8_t *delta, size_t len)
{
	uint8_t *file;
	size_t flen;
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	if (prsmw_psfx_file(delta, len, &file, &flen))
		die("out of memory");
	sxs_strbuf_addf(&sb, "%s/%s", folder, sub);
	char *dir = sb_take(&sb);
	mkdirs(dir);
	char *p = path2(dir, name);
	write_file(p, file, flen);
	free(p);
	free(dir);
	sxs_free(file);
}

/* f\ + r\ or n\ of one payload; returns the bytes written. */
static uint64_t write_differentials(const char *folder, const struct file *f, uint64_t seed,
                                    size_t idx, uint64_t *rng)
{
	static const struct pa30w_compress_opts lz = {0, 0, 8, 0};
	uint8_t *cur = payload_whole(f, seed, idx), *delta = NULL, *body = NULL;
	size_t dlen, blen, n = (size_t)f->size;
	uint64_t total = 0;
	if (f->psfx == 'n') {
		if (pa30w_make_raw_delta(NULL, 0, cur, n, 0, 0x800C, &lz, &delta, &dlen))
			die("cannot make n\\%s", f->name);
		write_psfx_file(folder, "n", f->name, delta, dlen);
		total += dlen + 4;
	} else {
		size_t rlen;
		uint8_t *rtm = rtm_of(cur, n, rng, &rlen), md[20];
		if (pa30w_make_raw_delta(rtm, rlen, cur, n, 0, 0x800C, &lz, &delta, &dlen))
			die("cannot make f\\%s", f->name);
		write_psfx_file(folder, "f", f->name, delta, dlen);
		total += dlen + 4;
		sxs_free(delta);
		delta = NULL;
		if (prsmw_diff(cur, n, rtm, rlen, 1, &body, &blen) ||
		    sxs_digest_buffer(SXS_DIGEST_SHA1, rtm, rlen, md, NULL) ||
		    prsmw_reverse_delta(0, 0x101, 0, rlen, 0x8004, md, 20, body, blen, &delta, &dlen))
			die("cannot make r\\%s", f->name);
		write_psfx_file(folder, "r", f->name, delta, dlen);
		total += dlen + 4;
		free(rtm);
	}
	sxs_free(delta);
	sxs_free(body);
	free(cur);
	return total;
}
#endif

static void manifest_xml(const struct comp *k, uint64_t *rng, struct sxs_strbuf *x)
{
	const struct sxs_identity *id = &k->id;
	sxs_strbuf_adds(x, "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"yes\"?>\r\n"
	                   "<assembly xmlns=\"urn:schemas-microsoft-com:asm.v3\" manifestVersion=\"1.0\" "
	                   "copyright=\"Copyright (c) Microsoft Corporation. All Rights Reserved.\">\r\n"
	                   "  <assemblyIdentity ");
	if (id->type)
		sxs_strbuf_addf(x, "type=\"%s\" ", id->type);
	sxs_strbuf_addf(x, "name=\"%s\" version=\"%s\" processorArchitecture=\"%s\" ", id->name,
	                id->version, id->arch);
	if (id->culture)
		sxs_strbuf_addf(x, "language=\"%s\" ", id->culture);
	else if (!id->type)
		sxs_strbuf_adds(x, "language=\"neutral\" ");
	sxs_strbuf_addf(x, "buildType=\"release\" publicKeyToken=\"%s\" ", id->public_key_token);
	if (id->version_scope)
		sxs_strbuf_addf(x, "versionScope=\"%s\" ", id->version_scope);
	sxs_strbuf_adds(x, "/>\r\n");
	for (size_t j = 0; j < k->nfiles; j++) {
		const struct file *f = &files[k->first_file + j];
		char b64[48];
		base64(f->sha256, 32, b64);
		sxs_strbuf_addf(x,
			"  <file name=\"%s\" destinationPath=\"$(runtime.system32)\\\" sourceName=\"%s\" "
			"importPath=\"$(build.nttree)\\\">\r\n"
			"    <securityDescriptor name=\"WRP_FILE_DEFAULT_SDDL\" />\r\n"
			"    <asmv2:hash xmlns:asmv2=\"urn:schemas-microsoft-com:asm.v2\" "
			"xmlns:dsig=\"http://www.w3.org/2000/09/xmldsig#\">\r\n"
			"      <dsig:Transforms>\r\n"
			"        <dsig:Transform Algorithm=\"urn:schemas-microsoft-com:HashTransforms.Identity\" />\r\n"
			"      </dsig:Transforms>\r\n"
			"      <dsig:DigestMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#sha256\" />\r\n"
			"      <dsig:DigestValue>%s</dsig:DigestValue>\r\n"
			"    </asmv2:hash>\r\n"
			"  </file>\r\n", f->name, f->name, b64);
	}
	/* filler: registry keys, as component manifests carry plenty of them */
	const char *close_tag = "</assembly>\r\n";
	if (x->len + strlen(close_tag) + 64 < k->manifest_target) {
		sxs_strbuf_adds(x, "  <registryKeys>\r\n");
		unsigned n = 0;
		while (x->len + strlen(close_tag) + 24 < k->manifest_target) {
			sxs_strbuf_addf(x,
				"    <registryKey keyName=\"HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\%s\\%s%u\">\r\n"
				"      <registryValue name=\"%s\" valueType=\"REG_SZ\" value=\"%%SystemRoot%%\\system32\\%s%u.dll\" />\r\n"
				"      <registryValue name=\"Flags\" valueType=\"REG_DWORD\" value=\"0x%08x\" />\r\n"
				"    </registryKey>\r\n",
				words[below(rng, NWORDS)], words[below(rng, NWORDS)], n,
				words[below(rng, NWORDS)], words[below(rng, NWORDS)], n,
				(unsigned)splitmix(rng));
			n++;
		}
		sxs_strbuf_adds(x, "  </registryKeys>\r\n");
	}
	sxs_strbuf_adds(x, close_tag);
	if (sxs_strbuf_error(x))
		die("out of memory");
}

static void run_mkhive(const char *mkhive, const char *src, const char *out)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		execl(mkhive, mkhive, src, out, (char *)NULL);
		fprintf(stderr, "mkstore: %s: %s\n", mkhive, strerror(errno));
		_exit(127);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid: %s", strerror(errno));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("%s %s failed", mkhive, src);
}

static char *path2(const char *a, const char *b)
{
	struct sxs_strbuf sb = SXS_STRBUF_INIT;
	sxs_strbuf_addf(&sb, "%s/%s", a, b);
	return sb_take(&sb);
}

static uint64_t parse_size(const char *s, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		die("%s: not a size: '%s'", what, s);
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end == 'B')
		end++;
	if (*end)
		die("%s: not a size: '%s'", what, s);
	return (uint64_t)v;
}

static void usage(FILE *f)
{
	fputs("usage: mkstore [options] --out DIR\n"
	      "  --components N   manifests (default 20000)\n"
	      "  --files N        payload files (default 70000)\n"
	      "  --bytes SIZE     total payload bytes, K/M/G suffixes (default 2G)\n"
	      "  --seed S         random seed (default 1)\n"
	      "  --hive-keys N    COMPONENTS keys in total (default 12.5 x components)\n"
	      "  --dcm PERCENT    DCM-compressed manifests (default 100)\n"
	      "  --psfx PERCENT   files of updated versions with f\\ and r\\ (default 30; a\n"
	      "                   tenth as many small ones get n\\)\n"
	      "  --hives WHICH    builtin (default) or mkhive (slow; small shapes only)\n"
	      "  --mkhive BIN     mkhive to use (default: the one built with mkstore)\n"
	      "  --base FILE      DCM base manifest (default testdata/images/base-manifest.xml)\n"
	      "  --out DIR        where to write (the volume root; must not exist)\n", f);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{"components", required_argument, NULL, 'c'},
		{"files", required_argument, NULL, 'f'},
		{"bytes", required_argument, NULL, 'b'},
		{"seed", required_argument, NULL, 's'},
		{"hive-keys", required_argument, NULL, 'k'},
		{"dcm", required_argument, NULL, 'd'},
		{"psfx", required_argument, NULL, 'p'},
		{"mkhive", required_argument, NULL, 'm'},
		{"hives", required_argument, NULL, 'H'},
		{"base", required_argument, NULL, 'B'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct opts o = {
		.ncomps = 20000, .nfiles = 70000, .bytes = 2ull << 30, .seed = 1, .dcm_percent = 100,
		.psfx_percent = 30,
		.mkhive = MKSTORE_MKHIVE, .base = SXS_SOURCE_ROOT "/testdata/images/base-manifest.xml",
	};
	bool keys_given = false;
	int c;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'c': o.ncomps = (size_t)parse_size(optarg, "--components"); break;
		case 'f': o.nfiles = (size_t)parse_size(optarg, "--files"); break;
		case 'b': o.bytes = parse_size(optarg, "--bytes"); break;
		case 's': o.seed = strtoull(optarg, NULL, 0); break;
		case 'k': o.hive_keys = (size_t)parse_size(optarg, "--hive-keys"); keys_given = true; break;
		case 'd': o.dcm_percent = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'p': o.psfx_percent = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm': o.mkhive = optarg; break;
		case 'H':
			if (strcmp(optarg, "builtin") && strcmp(optarg, "mkhive"))
				die("--hives takes builtin or mkhive");
			o.use_mkhive = !strcmp(optarg, "mkhive");
			break;
		case 'B': o.base = optarg; break;
		case 'o': o.out = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.out || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (o.ncomps < 1 || o.nfiles < 1)
		die("need at least one component and one file");
	if (o.dcm_percent > 100)
		die("--dcm takes a percentage");
	if (o.psfx_percent > 90)
		die("--psfx takes a percentage up to 90");
#ifndef MKSTORE_HAVE_PA30W
	if (o.dcm_percent || o.psfx_percent)
		fputs("mkstore: built without the PA30 writer: plain XML manifests, no differentials\n",
		      stderr);
	o.dcm_percent = 0;
	o.psfx_percent = 0;
#endif
	if (!keys_given)
		o.hive_keys = o.ncomps * 25 / 2;
	if (mkdir(o.out, 0755) < 0)
		die("%s: %s (give a directory that does not exist yet)", o.out, strerror(errno));

	uint64_t rng = o.seed * 0x2545f4914f6cdd1dull + 0x1234567;
	size_t base_len;
	uint8_t *base = read_whole(o.base, &base_len);
	size_t wcp_len;
	uint8_t *wcp = fake_wcp_dll(base, base_len, &wcp_len);

	make_identities(&o, &rng);
	make_files(&o, &rng, wcp_len);

	char *win = path2(o.out, "Windows");
	char *sxs = path2(win, "WinSxS");
	char *mdir = path2(sxs, "Manifests");
	char *cfg = path2(win, "System32/config");
	char *srcdir = path2(o.out, "sources");
	mkdirs(mdir);
	mkdirs(cfg);
	if (o.use_mkhive)
		mkdirs(srcdir);
	struct regf_key *chive = regf_new_root(), *shive = regf_new_root();
	regf_value_sz(regf_path(chive, "ServicingStackVersions"), "LastWCPVersionToAccessStore",
	              BUILD " (WinBuild.160101.0800)");
	struct regf_key *ckeys = regf_path(chive, "DerivedData\\Components");

	uint8_t *buf = malloc(CHUNK);
	struct sxs_digest *d;
	if (!buf || sxs_digest_new(SXS_DIGEST_SHA256, &d))
		die("out of memory");
	size_t keys = 2; /* ServicingStackVersions, DerivedData\Components */
	uint64_t xml_total = 0, stored_total = 0, delta_total = 0;
	size_t ndeltas = 0;
	uint64_t drng = o.seed * 0x9E3779B97F4A7C15ull + 0xD1FF;
	struct sxs_strbuf x = SXS_STRBUF_INIT;
	for (size_t i = 0; i < o.ncomps; i++) {
		struct comp *k = &comps[i];
		if (k->nfiles) {
			char *folder = path2(sxs, k->keyform);
			mkdirs(folder);
			for (size_t j = 0; j < k->nfiles; j++) {
				struct file *f = &files[k->first_file + j];
				char *p = path2(folder, f->name);
				write_payload(p, f, o.seed, k->first_file + j, buf, d, wcp);
				free(p);
#ifdef MKSTORE_HAVE_PA30W
				if (f->psfx) {
					delta_total += write_differentials(folder, f, o.seed, k->first_file + j, &drng);
					ndeltas += f->psfx == 'f' ? 2 : 1;
				}
#endif
			}
			free(folder);
		}
		sxs_strbuf_reset(&x);
		manifest_xml(k, &rng, &x);
		uint8_t s256[32];
		if (sxs_digest_buffer(SXS_DIGEST_SHA256, x.buf, x.len, s256, NULL))
			die("digest failed");
		struct sxs_strbuf mp = SXS_STRBUF_INIT;
		sxs_strbuf_addf(&mp, "%s/%s.manifest", mdir, k->keyform);
		char *mpath = sb_take(&mp);
		xml_total += x.len;
		bool dcm = i > 0 && below(&rng, 100) < o.dcm_percent;
#ifdef MKSTORE_HAVE_PA30W
		if (dcm) {
			uint8_t *z;
			size_t zlen;
			if (pa30w_make_dcm(base, base_len, (const uint8_t *)x.buf, x.len, &z, &zlen))
				die("cannot DCM-compress %s", k->keyform);
			write_file(mpath, z, zlen);
			stored_total += zlen;
			sxs_free(z);
		}
#endif
		if (!dcm) {
			write_file(mpath, x.buf, x.len);
			stored_total += x.len;
		}
		free(mpath);
		struct regf_key *hk = regf_add(ckeys, k->keyform);
		regf_value(hk, "identity", REGF_BINARY, k->canonical, strlen(k->canonical));
		regf_value(hk, "S256H", REGF_BINARY, s256, 32);
		for (size_t j = 0; j < k->nfiles; j++) {
			struct sxs_strbuf vn = SXS_STRBUF_INIT;
			if (sxs_file_value_name(files[k->first_file + j].name, &vn))
				die("f! value name");
			char *v = sb_take(&vn);
			regf_value_dword(hk, v, 1);
			free(v);
		}
		keys++;
	}
	sxs_strbuf_release(&x);

	/* VersionedIndex: one key per family and one per version */
	struct regf_key *cf = regf_path(chive, "DerivedData\\VersionedIndex\\" BUILD "\\ComponentFamilies");
	keys += 3;
	for (size_t f = 0; f < nfams; f++) {
		struct regf_key *fk = regf_add(cf, comps[fams[f].first_comp].winners);
		for (size_t v = 0; v < fams[f].ncomps; v++) {
			const struct comp *k = &comps[fams[f].first_comp + v];
			char name[64];
			snprintf(name, sizeof(name), "v!%s", k->id.version);
			regf_value(regf_add(fk, name), k->keyform, REGF_BINARY, "\1", 1);
			keys++;
		}
		keys++;
	}
	/* filler up to --hive-keys: catalogs, 256 buckets */
	if (keys + 258 < o.hive_keys) {
		struct regf_key *cat = regf_path(chive, "CanonicalData\\Catalogs"), *bucket[256];
		for (unsigned i = 0; i < 256; i++) {
			char name[8];
			snprintf(name, sizeof(name), "%02x", i);
			bucket[i] = regf_add(cat, name);
		}
		keys += 258;
		while (keys < o.hive_keys) {
			uint8_t h[32];
			char hx[65];
			uint64_t v = splitmix(&rng);
			sxs_digest_buffer(SXS_DIGEST_SHA256, &v, sizeof(v), h, NULL);
			hex(h, 32, hx);
			struct regf_key *ck = regf_add(bucket[h[0]], hx);
			char vn[24];
			snprintf(vn, sizeof(vn), "c!%.16s", hx + 32);
			regf_value(ck, vn, REGF_BINARY, h + 8, 16);
			keys++;
		}
	}

	struct regf_key *cv = regf_path(shive, "Microsoft\\Windows NT\\CurrentVersion");
	regf_value_sz(cv, "ProductName", "Windows 10 Enterprise LTSC 2019");
	regf_value_sz(cv, "CurrentBuild", "17763");
	regf_value_dword(cv, "UBR", 1613);
	regf_value_dword(cv, "CurrentMajorVersionNumber", 10);
	regf_value_dword(cv, "CurrentMinorVersionNumber", 0);
	struct regf_key *wk = regf_path(shive, "Microsoft\\Windows\\CurrentVersion\\SideBySide\\Winners");
	for (size_t f = 0; f < nfams; f++) {
		const struct comp *first = &comps[fams[f].first_comp];
		const struct comp *win_c = &comps[fams[f].first_comp + fams[f].ncomps - 1];
		struct regf_key *fk = regf_add(wk, first->winners);
		regf_value_sz(fk, "", "10.0");
		struct regf_key *band = regf_add(fk, "10.0");
		regf_value_sz(band, "", win_c->id.version);
		for (size_t v = 0; v < fams[f].ncomps; v++)
			regf_value(band, comps[fams[f].first_comp + v].id.version, REGF_BINARY, "\1", 1);
	}

	static const char *const hive_names[] = {"COMPONENTS", "SOFTWARE"};
	struct regf_key *hives[] = {chive, shive};
	for (int i = 0; i < 2; i++) {
		char *hp = path2(cfg, hive_names[i]);
		if (o.use_mkhive) {
			struct sxs_strbuf sb = SXS_STRBUF_INIT;
			sxs_strbuf_addf(&sb, "%s/%s.txt", srcdir, hive_names[i]);
			char *txt = sb_take(&sb);
			FILE *f = fopen(txt, "w");
			if (!f)
				die("%s: %s", txt, strerror(errno));
			fprintf(f, "# %s hive of a synthetic store (mkstore --seed %llu)\n\n", hive_names[i],
			        (unsigned long long)o.seed);
			regf_dump_text(hives[i], f);
			if (fclose(f))
				die("%s: write error", txt);
			run_mkhive(o.mkhive, txt, hp);
			free(txt);
		} else if (regf_write(hives[i], hp) < 0) {
			die("%s: %s", hp, strerror(errno));
		}
		free(hp);
		regf_free(hives[i]);
	}

	uint64_t total = 0, maxsz = 0;
	for (size_t i = 0; i < o.nfiles; i++) {
		total += files[i].size;
		if (files[i].size > maxsz)
			maxsz = files[i].size;
	}
	printf("mkstore: %zu components (%zu families), %zu files, %llu payload bytes (largest %llu),"
	       " manifests %llu bytes decoded / %llu stored, %zu differentials (%llu bytes),"
	       " %zu COMPONENTS keys, in %s\n",
	       o.ncomps, nfams, o.nfiles, (unsigned long long)total, (unsigned long long)maxsz,
	       (unsigned long long)xml_total, (unsigned long long)stored_total, ndeltas,
	       (unsigned long long)delta_total, keys, o.out);

	sxs_digest_free(d);
	free(buf);
	free(base);
	free(wcp);
	for (size_t i = 0; i < o.ncomps; i++) {
		sxs_identity_release(&comps[i].id);
		free(comps[i].keyform);
		free(comps[i].winners);
		free(comps[i].canonical);
	}
	for (size_t i = 0; i < o.nfiles; i++)
		free(files[i].name);
	free(comps);
	free(files);
	free(fams);
	free(win);
	free(sxs);
	free(mdir);
	free(cfg);
	free(srcdir);
	return 0;
}
