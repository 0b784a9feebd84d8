/** The toolbar block the panel places in App's `toolbarExtra`: Export session + Open session… (+ drop). */
import { ExportButton, type LoadSessions, type SaveFile } from './ExportButton';
import { OpenSessionButton } from './OpenButton';
import type { ImportedFile } from './import-data';
import type { SessionSource } from '../data/source';

export interface SessionIoProps {
  source: SessionSource;
  onOpen(imported: ImportedFile): void;
  load?: LoadSessions;
  save?: SaveFile;
  maxBytes?: number;
}

export function SessionIo({ source, onOpen, load, save, maxBytes }: SessionIoProps) {
  return (
    <>
      <span className="sep" />
      <ExportButton source={source} load={load} save={save} />
      <OpenSessionButton onOpen={onOpen} maxBytes={maxBytes} />
    </>
  );
}
