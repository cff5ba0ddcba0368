import type { Command } from 'commander';
import type { CliIo } from './io';

/** Every subcommand registers itself here (discover: issue 3, sync: issue 5). */
export function registerCommands(_program: Command, _io: CliIo): void {}
