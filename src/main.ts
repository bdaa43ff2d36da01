#!/usr/bin/env bun
/** The one entry of the `aiperf` binary, for users and for the service children it starts. */
import { runCli } from "./cli/run.ts";

process.exit(await runCli(process.argv.slice(2)));
