/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "image/platform.h"
#include "util/cleanup.h"

struct arch_alias {
	const char *from;
	const char *arch;
	const char *variant; /* NULL: keep what was given */
};

/* uname machines and GOARCH aliases, to GOARCH names. */
static const struct arch_alias aliases[] = {
	{ "x86_64", "amd64", NULL },	  { "x86-64", "amd64", NULL },
	{ "amd64", "amd64", NULL },	  { "aarch64", "arm64", NULL },
	{ "arm64", "arm64", NULL },	  { "armv8l", "arm", "v8" },
	{ "armv7l", "arm", "v7" },	  { "armv7", "arm", "v7" },
	{ "armhf", "arm", "v7" },	  { "armv6l", "arm", "v6" },
	{ "armv6", "arm", "v6" },	  { "armel", "arm", "v6" },
	{ "armv5tel", "arm", "v5" },	  { "armv5l", "arm", "v5" },
	{ "arm", "arm", NULL },		  { "i386", "386", NULL },
	{ "i486", "386", NULL },	  { "i586", "386", NULL },
	{ "i686", "386", NULL },	  { "386", "386", NULL },
	{ "ppc64le", "ppc64le", NULL },	  { "ppc64", "ppc64", NULL },
	{ "s390x", "s390x", NULL },	  { "riscv64", "riscv64", NULL },
	{ "mips64", "mips64", NULL },	  { "mips64el", "mips64le", NULL },
	{ "mips64le", "mips64le", NULL }, { "loongarch64", "loong64", NULL },
	{ "loong64", "loong64", NULL },
};

static int copy_field(char *dst, const char *src, const char *what, struct berth_error **err)
{
	size_t n = strlen(src);

	if (n >= BERTH_PLATFORM_FIELD)
		return berth_error_set(err, EINVAL, "platform %s \"%s\" too long", what, src);
	for (size_t i = 0; i < n; i++) {
		if (!isalnum((unsigned char)src[i]) && src[i] != '_' && src[i] != '-' &&
		    src[i] != '.')
			return berth_error_set(err, EINVAL, "invalid platform %s \"%s\"", what,
					       src);
		dst[i] = (char)tolower((unsigned char)src[i]);
	}
	dst[n] = '\0';
	return 0;
}

static void normalise(struct berth_platform *p)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(aliases); i++) {
		if (strcmp(p->arch, aliases[i].from) != 0)
			continue;
		snprintf(p->arch, sizeof(p->arch), "%s", aliases[i].arch);
		if (aliases[i].variant != NULL && p->variant[0] == '\0')
			snprintf(p->variant, sizeof(p->variant), "%s", aliases[i].variant);
		break;
	}
	if (strcmp(p->arch, "arm") == 0 && p->variant[0] == '\0')
		snprintf(p->variant, sizeof(p->variant), "v7");
	if (strcmp(p->arch, "arm64") == 0 && strcmp(p->variant, "v8") == 0)
		p->variant[0] = '\0';
}

int berth_platform_set(struct berth_platform *out, const char *os, const char *arch,
		       const char *variant, struct berth_error **err)
{
	struct berth_platform p;

	if (os == NULL || os[0] == '\0' || arch == NULL || arch[0] == '\0')
		return berth_error_set(err, EINVAL, "platform needs an os and an architecture");
	if (copy_field(p.os, os, "os", err) < 0 ||
	    copy_field(p.arch, arch, "architecture", err) < 0 ||
	    copy_field(p.variant, variant ? variant : "", "variant", err) < 0)
		return -EINVAL;
	normalise(&p);
	*out = p;
	return 0;
}

int berth_platform_parse(const char *s, struct berth_platform *out, struct berth_error **err)
{
	char buf[3 * BERTH_PLATFORM_FIELD];
	char *arch, *variant = NULL;
	int ret;

	if (strlen(s) >= sizeof(buf))
		return berth_error_set(err, EINVAL, "invalid platform \"%s\": too long", s);
	snprintf(buf, sizeof(buf), "%s", s);
	arch = strchr(buf, '/');
	if (arch == NULL)
		return berth_error_set(err, EINVAL,
				       "invalid platform \"%s\": expected os/arch[/variant]", s);
	*arch++ = '\0';
	variant = strchr(arch, '/');
	if (variant != NULL) {
		*variant++ = '\0';
		if (variant[0] == '\0' || strchr(variant, '/') != NULL)
			return berth_error_set(
			    err, EINVAL, "invalid platform \"%s\": expected os/arch[/variant]", s);
	}
	ret = berth_platform_set(out, buf, arch, variant, err);
	if (ret < 0)
		return berth_error_prefix(err, "--platform \"%s\"", s);
	return 0;
}

int berth_platform_from_machine(const char *machine, struct berth_platform *out,
				struct berth_error **err)
{
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(aliases); i++) {
		if (strcmp(machine, aliases[i].from) == 0)
			return berth_platform_set(out, "linux", aliases[i].arch, aliases[i].variant,
						  err);
	}
	return berth_error_set(err, EINVAL, "unknown machine architecture \"%s\"", machine);
}

int berth_platform_host(struct berth_platform *out, struct berth_error **err)
{
	struct utsname u;

	if (uname(&u) < 0)
		return berth_error_errno(err, "uname");
	return berth_platform_from_machine(u.machine, out, err);
}

static int arm_level(const char *variant)
{
	if (variant[0] != 'v' || variant[1] < '5' || variant[1] > '8' || variant[2] != '\0')
		return -1;
	return variant[1] - '0';
}

int berth_platform_score(const struct berth_platform *want, const struct berth_platform *have)
{
	int w, h;

	if (strcmp(want->os, have->os) != 0 || strcmp(want->arch, have->arch) != 0)
		return 0;
	if (strcmp(want->variant, have->variant) == 0)
		return 10;
	if (have->variant[0] == '\0')
		return 9;
	if (strcmp(want->arch, "arm") != 0)
		return 0;
	w = arm_level(want->variant);
	h = arm_level(have->variant);
	if (w < 0 || h < 0 || h > w)
		return 0;
	return 8 - (w - h); /* the nearest older variant wins */
}

void berth_platform_format(const struct berth_platform *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s%s%s", p->os, p->arch, p->variant[0] ? "/" : "", p->variant);
}
