/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "report/report.h"
#include "store/packages.h"
#include "util/utf8.h"

void sxs_report_text_escape(struct sxs_strbuf *out, const char *s)
{
	if (s)
		sxs_utf8_escape_text(out, s, strlen(s));
}

void sxs_report_size(struct sxs_strbuf *out, uint64_t bytes)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(*units)) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		sxs_strbuf_addf(out, "%llu bytes", (unsigned long long)bytes);
	else
		sxs_strbuf_addf(out, "%.1f %s", v, units[u]);
}

static void finding_line(struct sxs_strbuf *out, const struct sxs_finding *fd)
{
	const struct sxs_finding_info *info = sxs_finding_info(fd->kind);
	sxs_strbuf_addf(out, "%-7s %-24s ", sxs_severity_name(fd->severity), info->id);
	const char *where = fd->component ? fd->component : fd->winners_key;
	if (where) {
		sxs_report_text_escape(out, where);
		if (fd->component && fd->file) {
			sxs_strbuf_addc(out, '\\');
			sxs_report_text_escape(out, fd->file);
		}
		sxs_strbuf_adds(out, ": ");
	} else if (fd->file) {
		sxs_report_text_escape(out, fd->file);
		sxs_strbuf_adds(out, ": ");
	}
	sxs_report_text_escape(out, fd->message);
	if (fd->algorithm && fd->expected && fd->actual)
		sxs_strbuf_addf(out, " (%s expected %s, actual %s)", fd->algorithm, fd->expected,
		                fd->actual);
	else if (fd->algorithm && fd->expected)
		sxs_strbuf_addf(out, " (%s expected %s)", fd->algorithm, fd->expected);
	else if (fd->expected && fd->actual && fd->kind != SXS_F_IDENTITY_MISMATCH) {
		sxs_strbuf_adds(out, " (expected ");
		sxs_report_text_escape(out, fd->expected);
		sxs_strbuf_adds(out, ", actual ");
		sxs_report_text_escape(out, fd->actual);
		sxs_strbuf_adds(out, ")");
	}
	if (fd->nversions) {
		sxs_strbuf_adds(out, " [versions:");
		for (size_t i = 0; i < fd->nversions; i++) {
			sxs_strbuf_addc(out, ' ');
			sxs_report_text_escape(out, fd->versions[i]);
		}
		sxs_strbuf_addc(out, ']');
	}
	if (fd->tentative) {
		sxs_strbuf_adds(out, " (tentative: ");
		sxs_report_text_escape(out, fd->tentative);
		sxs_strbuf_addc(out, ')');
	}
	sxs_strbuf_addc(out, '\n');
	if (fd->kind == SXS_F_IDENTITY_MISMATCH) {
		sxs_strbuf_adds(out, "        manifest:   ");
		sxs_report_text_escape(out, fd->expected);
		sxs_strbuf_adds(out, "\n        COMPONENTS: ");
		sxs_report_text_escape(out, fd->actual ? fd->actual : "(none)");
		sxs_strbuf_addc(out, '\n');
	}
}

/* "read", "not read", "read after replaying COMPONENTS.LOG1, ... (N entries,
 * M pages)" or "read as it is (dirty, logs not replayed)" */
static void hive_read(struct sxs_strbuf *out, bool have, const struct sxs_hive_fact *fact)
{
	if (!have) {
		sxs_strbuf_adds(out, "not read");
		return;
	}
	switch (fact->read) {
	case SXS_HIVE_READ_CLEAN:
		sxs_strbuf_adds(out, "read");
		break;
	case SXS_HIVE_READ_REPLAYED:
		sxs_strbuf_adds(out, "read after replaying ");
		sxs_report_text_escape(out, fact->logs);
		if (!fact->old_format)
			sxs_strbuf_addf(out, " (%u %s, ", fact->entries,
			                fact->entries == 1 ? "entry" : "entries");
		else
			sxs_strbuf_adds(out, " (");
		sxs_strbuf_addf(out, "%u %s)", fact->pages, fact->pages == 1 ? "page" : "pages");
		break;
	case SXS_HIVE_READ_UNREPLAYED:
		sxs_strbuf_adds(out, "read as it is (dirty, logs not replayed)");
		break;
	}
}

int sxs_report_scan_text(struct sxs_strbuf *out, const struct sxs_model *m,
                         const struct sxs_findings *f)
{
	size_t by_kind[SXS_F_COUNT] = {0};
	size_t cbs[SXS_CBS_CLASS_COUNT] = {0}, sev[3] = {0};

	sxs_strbuf_adds(out, "sxscheck scan of ");
	sxs_report_text_escape(out, m->image);
	sxs_strbuf_addc(out, '\n');
	if (m->build || m->product) {
		sxs_strbuf_adds(out, "Image: ");
		sxs_report_text_escape(out, m->product ? m->product : "Windows");
		if (m->build) {
			sxs_strbuf_adds(out, ", build ");
			sxs_report_text_escape(out, m->build);
		}
		sxs_strbuf_addc(out, '\n');
	}
	/* up front: nothing below is current on a hibernated volume */
	if (m->hibernation == SXS_HIBER_HIBERNATED || m->hibernation == SXS_HIBER_RESUMING) {
		sxs_strbuf_adds(out, "Volume: ");
		sxs_strbuf_adds(out, m->hibernation == SXS_HIBER_HIBERNATED
		                         ? "Windows is hibernated (Fast Startup or hibernate)"
		                         : "a resume from hibernation did not finish");
		sxs_strbuf_adds(out, ", hiberfil.sys starts with \"");
		sxs_report_text_escape(out, m->hiber_signature);
		sxs_strbuf_adds(out, "\": read-only use only, repair scripts refuse\n");
	}
	size_t ndcm = 0;
	for (size_t i = 0; i < m->ncomps; i++)
		ndcm += m->comps[i].container == SXS_CONTAINER_DCM;
	if (ndcm && m->base_manifest_source) {
		sxs_strbuf_addf(out, "Compressed manifests: %zu, decoded with the base manifest from ", ndcm);
		sxs_report_text_escape(out, m->base_manifest_source);
		sxs_strbuf_adds(out, m->base_manifest_known ? " (Microsoft's, sha256 0ad8f100...6b46)\n"
		                                            : " (not Microsoft's known base)\n");
	}
	if (!m->liveness_known && (m->have_components_hive || m->have_software_hive))
		sxs_strbuf_addf(out, "Liveness: unknown (%s); missing payloads, manifests and Winners "
		                     "problems are reported at most as warnings\n",
		                m->have_deployment_data ? "no package states could be read"
		                                        : "the image has no deployment data");
	sxs_strbuf_addc(out, '\n');
	for (size_t i = 0; i < f->n; i++) {
		const struct sxs_finding_info *info = sxs_finding_info(f->v[i].kind);
		by_kind[f->v[i].kind]++;
		sev[f->v[i].severity]++;
		if (f->v[i].severity == SXS_SEV_ERROR)
			cbs[info->cbs]++;
		finding_line(out, &f->v[i]);
	}
	if (f->n == 0)
		sxs_strbuf_adds(out, "No problems found.\n");
	size_t corrupt = cbs[SXS_CBS_PAYLOAD] + cbs[SXS_CBS_MANIFEST] + cbs[SXS_CBS_METADATA] +
	                 cbs[SXS_CBS_CBS_MANIFEST] + cbs[SXS_CBS_CBS_METADATA];
	sxs_strbuf_adds(out, "\nSummary:\n");
	sxs_strbuf_addf(out, "  Total Detected Corruption:  %zu\n", corrupt);
	/* DISM's order: the package (CBS) layer first, then the component store (CSI) */
	sxs_strbuf_addf(out, "    CBS Manifest Corruption:  %zu\n", cbs[SXS_CBS_CBS_MANIFEST]);
	sxs_strbuf_addf(out, "    CBS Metadata Corruption:  %zu\n", cbs[SXS_CBS_CBS_METADATA]);
	sxs_strbuf_addf(out, "    CSI Manifest Corruption:  %zu\n", cbs[SXS_CBS_MANIFEST]);
	sxs_strbuf_addf(out, "    CSI Metadata Corruption:  %zu\n", cbs[SXS_CBS_METADATA]);
	sxs_strbuf_addf(out, "    CSI Payload Corruption:   %zu\n", cbs[SXS_CBS_PAYLOAD]);
	sxs_strbuf_addf(out, "  Errors: %zu, warnings: %zu, notes: %zu\n", sev[SXS_SEV_ERROR],
	                sev[SXS_SEV_WARNING], sev[SXS_SEV_INFO]);
	if (f->n) {
		sxs_strbuf_adds(out, "  By kind:");
		const char *sep = " ";
		for (int k = 0; k < SXS_F_COUNT; k++)
			if (by_kind[k]) {
				sxs_strbuf_addf(out, "%s%s %zu", sep, sxs_finding_info((enum sxs_finding_kind)k)->id,
				                by_kind[k]);
				sep = ", ";
			}
		sxs_strbuf_addc(out, '\n');
	}
	size_t comps = 0, deltas = 0;
	for (size_t i = 0; i < m->ncomps; i++) {
		if (m->comps[i].mstate != SXS_MANIFEST_ABSENT)
			comps++;
		deltas += m->comps[i].ndeltas;
	}
	sxs_strbuf_addf(out, "  Checked: %zu components, %zu manifests, %llu files hashed (", comps,
	                m->manifests_read, (unsigned long long)m->files_hashed);
	sxs_report_size(out, m->bytes_hashed);
	sxs_strbuf_addf(out, "), %zu differentials, in %.2f s\n", deltas, m->elapsed);
	const struct sxs_packages *pk = m->packages;
	if (pk && (pk->have_registry || pk->have_listing)) {
		size_t verified = 0;
		for (size_t i = 0; i < pk->n; i++)
			verified += pk->v[i].pair_verified;
		sxs_strbuf_addf(out, "  Packages: %zu in the CBS registry, %zu .mum and %zu .cat read, "
		                     "%zu pair(s) verified against their catalogs\n",
		                pk->cbs.npackages, pk->mums_read, pk->cats_read, verified);
	}
	if (m->registry_skipped) {
		sxs_strbuf_adds(out, "  Registry: not read (--no-registry)\n");
		return sxs_strbuf_error(out);
	}
	sxs_strbuf_adds(out, "  Registry: COMPONENTS ");
	hive_read(out, m->have_components_hive, &m->components_log);
	sxs_strbuf_adds(out, ", SOFTWARE ");
	hive_read(out, m->have_software_hive, &m->software_log);
	sxs_strbuf_addc(out, '\n');
	return sxs_strbuf_error(out);
}
