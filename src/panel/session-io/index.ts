// Session import/export for the panel (issue 6). Place <SessionIo> in the panel toolbar
// (App's `toolbarExtra`); on open, show `new MemorySource(imported.inputs[0])`.
import './session-io.css';
export { ExportButton, ExportDialog, type ExportButtonProps, type LoadSessions, type SaveFile } from './ExportButton';
export { OpenSessionButton, type OpenProps } from './OpenButton';
export { SessionIo, type SessionIoProps } from './SessionIo';
export { PanelWithSessionIo } from './PanelWithSessionIo';
export { exportSessionFile, loadSessionInputs, readSessionRecords, saveBlob, type ExportResult } from './export-data';
export { openSessionFile, memoryInputs, sessionInputsOf, type ImportedFile } from './import-data';
