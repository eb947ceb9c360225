/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "containers.h"
#include "engine/ctr.h"
#include "format.h"
#include "image/images.h"
#include "util/cleanup.h"

/* `inspect` and `container inspect`: Docker's object, record + State. */

int cli_container_inspect_json(struct berth_engine *e, const char *ref, json_object **out,
			       struct berth_error **err)
{
	char id[BERTH_CTR_ID_LEN + 1];
	struct berth_ctr *c = NULL;
	json_object *o, *state, *v;

	if (berth_ctr_lookup(e, ref, id, err) < 0 || berth_ctr_load(e, id, &c, err) < 0 ||
	    berth_ctr_refresh(e, c, err) < 0) {
		berth_ctr_free(c);
		return -1;
	}
	o = json_object_new_object();
	state = json_object_new_object();
	json_object_object_foreach (c->state, k, sv) {
		if (strcmp(k, "RestartCount") != 0 && strcmp(k, "MonitorPid") != 0)
			json_object_object_add(state, k, json_object_get(sv));
	}
	/* Docker's order: Id, Created, Path, Args, State, then the rest. */
	json_object_object_foreach (c->record, rk, rv) {
		json_object_object_add(o, rk, json_object_get(rv));
		if (strcmp(rk, "Args") == 0 ||
		    (strcmp(rk, "Created") == 0 &&
		     !json_object_object_get_ex(c->record, "Args", NULL)))
			json_object_object_add(o, "State", json_object_get(state));
	}
	if (!json_object_object_get_ex(o, "State", NULL))
		json_object_object_add(o, "State", json_object_get(state));
	json_object_put(state);
	json_object_object_add(o, "RestartCount",
			       json_object_object_get_ex(c->state, "RestartCount", &v)
				   ? json_object_get(v)
				   : json_object_new_int(0));
	berth_ctr_free(c);
	*out = o;
	return 0;
}

static int print(json_object *arr, const char *format, struct berth_error **err)
{
	if (format == NULL) {
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
							     JSON_C_TO_STRING_SPACED |
							     JSON_C_TO_STRING_NOSLASHESCAPE));
		return 0;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		if (cli_format(stdout, format, json_object_array_get_idx(arr, i), err) < 0)
			return -1;
		putchar('\n');
	}
	return 0;
}

/* @images: also look for images ("berth inspect"); @ctrs: containers. */
static int inspect(struct cli *g, int argc, char **argv, bool ctrs, bool images,
		   struct berth_error **err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 'T' },
		{ "size", no_argument, NULL, 's' },
		{ 0 },
	};
	json_object *arr = json_object_new_array();
	const char *format = NULL;
	struct berth_engine *e = NULL;
	struct berth_store *s = NULL;
	int c, rc = 0;

	while ((c = getopt_long(argc, argv, "+f:s", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'T' &&
			   (strcmp(optarg, "container") == 0 || strcmp(optarg, "image") == 0)) {
			ctrs = strcmp(optarg, "container") == 0;
			images = !ctrs;
		} else if (c != 's') {
			json_object_put(arr);
			return berth_error_set(err, EINVAL, "inspect: invalid flag or --type"), 1;
		}
	}
	if (optind >= argc) {
		json_object_put(arr);
		return berth_error_set(err, EINVAL,
				       "\"berth inspect\" requires at least 1 argument"),
		       1;
	}
	if ((ctrs && cli_engine(g, &e, err) < 0) || (images && cli_store(g, &s, err) < 0)) {
		json_object_put(arr);
		return 1;
	}
	for (int i = optind; i < argc; i++) {
		struct berth_error *e1 = NULL;
		struct berth_image *img = NULL;
		json_object *o = NULL;

		if (ctrs && cli_container_inspect_json(e, argv[i], &o, &e1) == 0) {
			json_object_array_add(arr, o);
			continue;
		}
		if (images && (!ctrs || (e1 && e1->code == ENOENT))) {
			berth_error_clear(&e1);
			if (berth_image_resolve(s, argv[i], &img, &e1) == 0 &&
			    cli_image_inspect_json(s, img, &o, &e1) == 0)
				json_object_array_add(arr, o);
			berth_image_free(img);
			if (e1 && e1->code == ENOENT) {
				berth_error_clear(&e1);
				berth_error_set(&e1, ENOENT, "No such object: %s", argv[i]);
			}
		}
		if (e1) {
			fprintf(stderr, "berth: %s\n", e1->msg);
			berth_error_free(e1);
			rc = 1;
		}
	}
	if (print(arr, format, err) < 0)
		rc = 1;
	json_object_put(arr);
	return rc;
}

int cmd_inspect(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	return inspect(g, argc, argv, true, true, err);
}

int cmd_container_inspect(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	return inspect(g, argc, argv, true, false, err);
}

int cmd_image_inspect(struct cli *g, int argc, char **argv, struct berth_error **err)
{
	return inspect(g, argc, argv, false, true, err);
}
