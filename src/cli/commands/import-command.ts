import type { Command } from 'commander';
import { loadConfig } from '../../apps/config.ts';
import { openEmbedded } from '../../apps/embedded.ts';
import { EventTypes, type EventType } from '../../core/event-schema.ts';
import { parseMapRule } from '../../import/csv-mapping.ts';
import { formatFromFileName, IMPORT_FORMATS, importFile, importFileSize, type ImportFormat } from '../../import/import-file.ts';
import { createImportProgressDisplay, formatSummary } from '../../import/import-progress.ts';

interface ImportOptions {
  source: string;
  format?: string;
  map: string[];
  type?: string;
  event?: string;
  delimiter?: string;
  channel?: string;
  touchpoint?: string;
  department?: string;
  report?: string;
  dataDir?: string;
}

export function registerImportCommand(program: Command): void {
  program
    .command('import')
    .description('load a CSV or JSON Lines file (CRM exports, store purchases, call-center logs) into the embedded store')
    .argument('<file>', 'the file to import: .csv, .jsonl or .ndjson, optionally gzipped (.gz)')
    .requiredOption('--source <name>', 'the source the rows arrive through; created when it does not exist')
    .option('--format <format>', 'csv or jsonl (default: from the file extension)')
    .option('--map <target=column>', 'CSV: fill an event field from a column, e.g. userId=customer_no or properties.revenue=amount:number (repeatable)', collect, [])
    .option('--type <type>', 'CSV: the call type of rows without a type column (default track); JSONL: for lines without "type"')
    .option('--event <name>', 'the event name of rows without one')
    .option('--delimiter <char>', 'CSV: the field separator (default ",")')
    .option('--channel <channel>', 'for a new source: its default channel (store, phone, email, ...)')
    .option('--touchpoint <name>', 'for a new source: its default touchpoint ("hotline", "store berlin-mitte", ...)')
    .option('--department <department>', 'for a new source: its default department (sales, service, ...)')
    .option('--report <path>', 'where rejected rows are written (default <file>.rejected.jsonl)')
    .option('--data-dir <dir>', 'where the data lives (default ./.centric, or CENTRIC_DATA_DIR)')
    .action(async (file: string, options: ImportOptions) => {
      importFileSize(file);
      const format = chooseFormat(file, options.format);
      const mapping = options.map.map(parseMapRule);
      const defaultType = options.type === undefined ? undefined : eventType(options.type);
      if (options.event !== undefined && options.event.trim() === '') throw new Error('--event needs a non-empty name');
      if (options.delimiter !== undefined && options.delimiter.length !== 1 && options.delimiter !== '\\t') {
        throw new Error('--delimiter must be one character, such as ";" (or \\t for tabs)');
      }
      const config = loadConfig({ dataDir: options.dataDir });
      const centric = await openEmbedded(config);
      const display = createImportProgressDisplay(process.stderr, 'importing');
      // The first Ctrl-C stops reading and stores what was read; a second one ends the process at once.
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      try {
        const summary = await importFile({
          ingest: centric.ingest,
          sources: centric.sources,
          workspaceId: config.workspaceId,
          file,
          format,
          source: { name: options.source, channel: options.channel, touchpoint: options.touchpoint, department: options.department },
          mapping,
          defaultType,
          defaultEvent: options.event,
          delimiter: options.delimiter === '\\t' ? '\t' : options.delimiter,
          reportPath: options.report,
          maxEventBytes: config.maxEventBytes,
          signal: abort.signal,
          onSource: (source, created) => {
            const where = [source.channel, source.touchpoint, source.department].filter(Boolean).join(', ');
            if (created) console.log(`Created source "${source.name}" (${source.id}${where ? `; ${where}` : ''})`);
            else if (options.channel ?? options.touchpoint ?? options.department) {
              console.log(`Source "${source.name}" exists already; --channel, --touchpoint and --department apply only to a new source`);
            }
          },
          onProgress: (progress) => display.update(progress),
        });
        display.stop();
        console.log(formatSummary(summary));
        if (summary.interrupted) process.exitCode = 130;
        else if (summary.stoppedEarly) process.exitCode = 1;
      } finally {
        display.stop();
        await centric.close();
      }
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function chooseFormat(file: string, given: string | undefined): ImportFormat {
  if (given !== undefined) {
    const format = given.toLowerCase() === 'ndjson' ? 'jsonl' : given.toLowerCase();
    if (!(IMPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`--format must be csv or jsonl, not "${given}"`);
    return format as ImportFormat;
  }
  const format = formatFromFileName(file);
  if (!format) throw new Error(`cannot tell the format of ${file} from its name; pass --format csv or --format jsonl`);
  return format;
}

function eventType(value: string): EventType {
  if (!(EventTypes as readonly string[]).includes(value)) throw new Error(`--type must be one of ${EventTypes.join(', ')}, not "${value}"`);
  return value as EventType;
}
