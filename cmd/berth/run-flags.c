/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include "run-flags.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

/* Minimal: -d -i -t --rm --name -e; the full parser replaces this file. */

static json_object *hostconfig(json_object *body)
{
	json_object *hc;

	if (!json_object_object_get_ex(body, "HostConfig", &hc)) {
		hc = json_object_new_object();
		json_object_object_add(body, "HostConfig", hc);
	}
	return hc;
}

int cli_run_parse(int argc, char **argv, bool is_run, struct cli_run_opts *o,
		  struct berth_error **err)
{
	static const struct option opts[] = {
		{ "detach", no_argument, NULL, 'd' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "rm", no_argument, NULL, 'R' },
		{ "name", required_argument, NULL, 'n' },
		{ "env", required_argument, NULL, 'e' },
		{ 0 },
	};
	json_object *env = json_object_new_array();
	int c;

	memset(o, 0, sizeof(*o));
	o->body = json_object_new_object();
	o->pull = "missing";
	while ((c = getopt_long(argc, argv, is_run ? "+dite:" : "+ite:", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->detach = true;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'R':
			json_object_object_add(hostconfig(o->body), "AutoRemove",
					       json_object_new_boolean(1));
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'e':
			json_object_array_add(env, json_object_new_string(optarg));
			break;
		default:
			json_object_put(env);
			return berth_error_set(err, EINVAL, "unknown flag: %s", argv[optind - 1]);
		}
	}
	if (optind >= argc) {
		json_object_put(env);
		return berth_error_set(err, EINVAL, "\"berth %s\" requires at least 1 argument",
				       is_run ? "run" : "create");
	}
	o->image = argv[optind++];
	json_object_object_add(o->body, "Image", json_object_new_string(o->image));
	json_object_object_add(o->body, "Env", env);
	json_object_object_add(o->body, "Tty", json_object_new_boolean(o->tty));
	json_object_object_add(o->body, "OpenStdin", json_object_new_boolean(o->interactive));
	if (optind < argc) {
		json_object *cmd = json_object_new_array();

		for (int i = optind; i < argc; i++)
			json_object_array_add(cmd, json_object_new_string(argv[i]));
		json_object_object_add(o->body, "Cmd", cmd);
	}
	hostconfig(o->body);
	return 0;
}

void cli_run_opts_release(struct cli_run_opts *o)
{
	json_object_put(o->body);
	o->body = NULL;
}
