import { Command } from 'commander';
import { registerDemoCommand } from './commands/demo-command.ts';
import { registerImportCommand } from './commands/import-command.ts';
import { registerScaleOutCommands } from './commands/scale-out-commands.ts';
import { registerServeCommand } from './commands/serve-command.ts';

/** `centric`: the command line, thin wrappers over the same services the server uses. */
const program = new Command()
  .name('centric')
  .description('Centric: every touchpoint, one profile per customer')
  .showHelpAfterError();

registerServeCommand(program);
registerImportCommand(program);
registerDemoCommand(program);
registerScaleOutCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`centric: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
