// Exports run as jobs on the server: start one, follow its progress, fetch
// the file. The same path serves ten rows and two million.
import { api } from '../stores/session'

export interface ExportJob {
  id: string
  kind: 'entries' | 'briefing'
  format: 'xlsx' | 'csv'
  status: 'queued' | 'running' | 'done' | 'failed'
  rows: number
  total: number
  progress: number
  error?: string
  fileName?: string
}

export interface ExportRequest {
  kind: 'entries' | 'briefing'
  formId: string
  format: 'xlsx' | 'csv'
  filters: Record<string, string | boolean>
}

export const startExport = (req: ExportRequest) =>
  api().request<ExportJob>('/api/v1/exports', { method: 'POST', body: req })

export const exportStatus = (id: string) => api().request<ExportJob>(`/api/v1/exports/${id}`)

/** follow polls a job until it ends, reporting each state. */
export async function follow(id: string, onState: (j: ExportJob) => void, every = 500): Promise<ExportJob> {
  for (;;) {
    const job = await exportStatus(id)
    onState(job)
    if (job.status === 'done' || job.status === 'failed') return job
    await new Promise((r) => setTimeout(r, every))
  }
}

/** exportFile fetches a finished job's file, telling onProgress how far it is. */
export async function exportFile(job: ExportJob, onProgress?: (loaded: number, total: number) => void): Promise<File> {
  const blob = await api().blob(`/api/v1/exports/${job.id}/file`, onProgress)
  return new File([blob], job.fileName ?? `export.${job.format}`, { type: blob.type })
}

/** save hands a file to the browser's download (a phone keeps it in 下载). */
export function save(file: File) {
  const url = URL.createObjectURL(file)
  const a = document.createElement('a')
  a.href = url
  a.download = file.name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** canShare: the phone can hand the file to 微信 or mail (Web Share with files). */
export const canShare = (file: File) =>
  typeof navigator !== 'undefined' && !!navigator.canShare && navigator.canShare({ files: [file] })

/** filtersOf turns the entry list's query string into an export's filters. */
export function filtersOf(query: string): Record<string, string | boolean> {
  const out: Record<string, string | boolean> = {}
  for (const [k, v] of new URLSearchParams(query)) {
    if (k === 'formId') continue
    out[k] = k === 'overdue' ? v === 'true' : v
  }
  return out
}
