/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker's log tag: a Go template over the container's info.  berth takes the
 * forms Docker documents, text with {{.ID}} (12 characters), {{.FullID}},
 * {{.Name}}, {{.ImageName}}, {{.ImageID}} (12), {{.ImageFullID}} and
 * {{.DaemonName}} ("berth"), spaces allowed inside the braces; any other
 * action (functions, pipelines) is refused.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/log-internal.h"
#include "util/cleanup.h"

#define DEFAULT_TAG "{{.ID}}"
#define TAG_MAX 4096

static const char *const fields[] = { "ID",	 "FullID",	"Name",	     "ImageName",
				      "ImageID", "ImageFullID", "DaemonName" };

/* The value of field @i; IDs cut to 12 characters as Docker does. */
static const char *field_value(size_t i, const struct berth_log_info *info, size_t *len)
{
	const char *v = "";
	size_t cut = SIZE_MAX;

	if (info == NULL) {
		*len = 0;
		return v;
	}
	switch (i) {
	case 0: /* ID */
		cut = 12;
		__attribute__((fallthrough));
	case 1:
		v = info->id;
		break;
	case 2:
		v = info->name;
		break;
	case 3:
		v = info->image_name;
		break;
	case 4: /* ImageID */
		cut = 12;
		__attribute__((fallthrough));
	case 5:
		v = info->image_id;
		if (v != NULL && strncmp(v, "sha256:", 7) == 0)
			v += 7;
		break;
	default:
		v = "berth";
	}
	if (v == NULL)
		v = "";
	*len = strnlen(v, cut);
	return v;
}

/* Parse the action "{{ .Field }}" at @s; the field's index, its length in *adv. */
static int parse_action(const char *s, size_t *adv, struct berth_error **err)
{
	const char *p = s + 2, *end = strstr(s, "}}");
	size_t n;

	if (end == NULL)
		return berth_error_set(err, EINVAL, "log tag: unclosed action in \"%s\"", s);
	while (*p == ' ')
		p++;
	if (*p++ != '.')
		goto bad;
	n = strcspn(p, " }");
	for (size_t i = 0; i < BERTH_ARRAY_SIZE(fields); i++) {
		if (strlen(fields[i]) != n || strncmp(p, fields[i], n) != 0)
			continue;
		p += n;
		while (*p == ' ')
			p++;
		if (p != end)
			goto bad;
		*adv = (size_t)(end + 2 - s);
		return (int)i;
	}
bad:
	return berth_error_set(err, EINVAL,
			       "log tag: \"%.*s\" is not supported (fields: .ID, .FullID, .Name, "
			       ".ImageName, .ImageID, .ImageFullID, .DaemonName)",
			       (int)(end + 2 - s), s);
}

static int expand(const char *tmpl, const struct berth_log_info *info, char *out,
		  struct berth_error **err)
{
	size_t len = 0;

	for (const char *s = tmpl; *s != '\0';) {
		const char *v = s;
		size_t n = 1, adv = 1;

		if (strncmp(s, "{{", 2) == 0) {
			int i = parse_action(s, &adv, err);

			if (i < 0)
				return i;
			v = field_value((size_t)i, info, &n);
		}
		if (len + n >= TAG_MAX)
			return berth_error_set(err, EINVAL, "log tag: longer than %d bytes",
					       TAG_MAX - 1);
		memcpy(out + len, v, n);
		len += n;
		s += adv;
	}
	out[len] = '\0';
	return 0;
}

int berth_log_tag(const char *tmpl, const struct berth_log_info *info, char **out,
		  struct berth_error **err)
{
	cleanup_free char *buf = malloc(TAG_MAX);

	if (buf == NULL)
		return berth_error_set(err, ENOMEM, "log tag: out of memory");
	if (tmpl == NULL || *tmpl == '\0')
		tmpl = DEFAULT_TAG;
	if (expand(tmpl, info, buf, err) < 0)
		return berth_error_ret(err);
	*out = steal_ptr(&buf);
	return 0;
}

int berth_log_tag_check(const char *tmpl, struct berth_error **err)
{
	cleanup_free char *tag = NULL;

	return berth_log_tag(tmpl, NULL, &tag, err);
}
