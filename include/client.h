/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The client runtime (`client` / `tls-client` + `pull`): the control channel of OpenVPN 2.6 over
 * UDP to the `remote` servers in order, the PUSH_REPLY, restarts and exit (ops-interfaces.md §5,
 * §8; protocol-control.md §6, §12).
 *
 * One connection attempt: resolve the remote, open the UDP socket (`nobind`: an ephemeral port,
 * else `lport` / `local`), start a session and drive it from the event loop. A failed attempt
 * (TLS error, hand-window, pushed RESTART, received EXIT, SIGUSR1) logs
 * "SIGUSR1[soft,REASON] received, process restarting", waits the `connect-retry` pause (1 s for
 * the first five attempts, then doubling up to the `connect-retry` maximum) and tries again,
 * moving on to the next remote when the last attempt never came up. `connect-retry-max` ends the
 * process after that many unsuccessful passes over the list.
 *
 * Stage: the data channel is not built yet. The pushed settings are parsed and logged as openvpn
 * does ("OPTIONS IMPORT: ..."), then "Initialization Sequence Completed" is logged, but no TUN
 * device is opened and no address or route is installed; data packets from the server are
 * counted and dropped. Keys are read once per configuration load and kept across SIGUSR1
 * restarts (what openvpn does with persist-key).
 *
 * Signals: SIGTERM / SIGINT exit (with `explicit-exit-notify` and a server that negotiated
 * cc-exit, an EXIT control message is delivered first); SIGUSR1 restarts; SIGHUP returns
 * RUNTIME_RELOAD so that main.c reads the configuration again. HALT from the server exits,
 * AUTH_FAILED exits (auth-retry none).
 */
#ifndef SLUICE_CLIENT_H
#define SLUICE_CLIENT_H

#include "conf.h"
#include "loop.h"
#include "runtime.h"

/*
 * Runs the client until it should exit or reload. c is finalized and outlives the call; loop
 * is the process's event loop: client_run() installs its signal and timer handlers and removes
 * everything it registered before returning.
 */
enum runtime_end client_run(const struct conf *c, struct loop *loop);

#endif
