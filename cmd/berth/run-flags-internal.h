/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_CLI_RUN_FLAGS_INTERNAL_H
#define BERTH_CLI_RUN_FLAGS_INTERNAL_H

#include <stdint.h>

#include "run-flags.h"

/*
 * The parser's state between the flags and the final assembly: most flags
 * go straight into the body; those Docker combines or checks across flags
 * are kept here until run-flags-finish.c puts them together.
 */
struct run_state {
	struct cli_run_opts *o;
	bool is_run;
	json_object *body, *hc;
	char **env;	    /* -e, in order */
	char **env_files;   /* --env-file, read at the end (their lines come first) */
	char **labels;	    /* --label */
	char **label_files; /* --label-file */
	char **cap_add, **cap_drop;
	bool attach_in, attach_out, attach_err, attach_set;
	bool auto_remove;
	bool log_opts;
};

struct run_flag;
typedef int (*run_flag_fn)(struct run_state *st, const struct run_flag *f, const char *val,
			   struct berth_error **err);

struct run_flag {
	const char *name; /* long name */
	char shortc;	  /* or 0 */
	bool arg;	  /* takes a value (else a boolean: --flag or --flag=false) */
	bool run_only;	  /* `run` has it, `create` does not */
	run_flag_fn fn;	  /* applies the value */
	const char *key;  /* the body/HostConfig field of generic handlers */
};

/* The table (run-flags-table.c), ended by a zeroed entry. */
extern const struct run_flag run_flags[];

/* Append @s (borrowed) to a NULL-terminated vector. */
int run_strv_add(char ***v, const char *s, struct berth_error **err);

/* After the flags: image, command, env, labels, caps, attach and the cross-flag checks. */
int run_finish(struct run_state *st, int argc, char **argv, int first, struct berth_error **err);

#endif
