/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BERTH_RUNTIME_DEFAULT_DEVICES_H
#define BERTH_RUNTIME_DEFAULT_DEVICES_H

#include "oci/spec.h"

/*
 * The device cgroup must let the container use what the runtime itself gives
 * it: the spec's default devices (null, zero, full, random, urandom, tty),
 * the pts devices and /dev/ptmx, and mknod of any node (access still needs an
 * allow rule).  Entries of linux.devices are created but not allowed: the
 * caller allows them in linux.resources.devices, as with runc.  podman sends only "deny all" and
 * relies on this, as runc does it.  Applied when linux.resources.devices is
 * given; rules are appended, so they win over an earlier deny.
 */
int berth_resources_allow_default_devices(struct berth_spec *spec, struct berth_error **err);

#endif
