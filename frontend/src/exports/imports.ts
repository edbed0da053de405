// Moving an Excel ledger into a form: check (dry run) as often as needed,
// adjusting which column is which, then import once everything passes.
import { api } from '../stores/session'

export interface ImportColumn { header: string; field: string; label?: string }
export interface ImportTarget { key: string; label: string }
export interface ImportProblem { row: number; column?: string; code: string; message: string }
export interface ImportResult {
  dryRun: boolean
  rows: number
  valid: boolean
  created: number
  skipped: number
  columns: ImportColumn[]
  targets: ImportTarget[]
  problems: ImportProblem[]
  omitted?: number
}

export function importLedger(formId: string, file: File, mapping: Record<string, string> | null, dryRun: boolean) {
  const body = new FormData()
  body.append('file', file)
  if (mapping) body.append('mapping', JSON.stringify(mapping))
  return api().request<ImportResult>(`/api/v1/forms/${formId}/imports?dryRun=${dryRun}`, { method: 'POST', body })
}

/** mappingOf is the columns as the office left them: header → target ("" not imported). */
export const mappingOf = (columns: ImportColumn[]) => Object.fromEntries(columns.map((c) => [c.header, c.field]))
