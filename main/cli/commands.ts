import type { Command } from 'commander';
import { registerDiscover } from './discover';
import type { CliApp } from './app';
import type { CliIo } from './io';
import { registerSync } from './sync';
import { registerNvr } from './nvr';
import { registerInit } from './init';

/** Every subcommand registers itself here (discover: issue 3, sync: issue 5). */
export function registerCommands(program: Command, io: CliIo, app: CliApp): void {
  registerDiscover(program, io);
  registerSync(program, io, { app });
  registerNvr(program, io, app);
  registerInit(program, io, app);
}
