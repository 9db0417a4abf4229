// The sync job the app follows: started from Settings, Home or an experiment's header, shown
// in the sync dialog while it is open (polled every 300 ms) and as a small indicator in the
// sidebar when it is closed (polled every second). Nothing is polled when no job runs.

import { toApiError } from '../api/backend';
import { cancelJob, jobStatus, listJobs, startSync, type Direction, type Job } from './api';

/** Dispatched on `window` when a followed job ends (done, failed or cancelled); `detail` is the job. */
export const SYNC_FINISHED = 'runlens:sync-finished';

/** Sidebar.svelte's EXPERIMENTS_CHANGED (not imported: the sidebar imports this module). */
const EXPERIMENTS_CHANGED = 'runlens:experiments-changed';

function notifyExperimentsChanged() {
  window.dispatchEvent(new CustomEvent(EXPERIMENTS_CHANGED));
}

const OPEN_MS = 300;
const CLOSED_MS = 1000;

class SyncJobs {
  /** The job followed: the last one started or opened. */
  job = $state<Job | null>(null);
  /** Is the sync dialog showing it? */
  open = $state(false);
  /** It ended while its dialog was closed: the sidebar says so until it is looked at. */
  unseen = $state(false);
  /** Cancelling failed. */
  error = $state<string | null>(null);

  #timer: ReturnType<typeof setTimeout> | undefined;
  #inited = false;

  get running(): boolean {
    return this.job?.state === 'running';
  }

  /** Once at startup: a job still running (the page was reloaded mid-sync) is followed again. */
  async init() {
    if (this.#inited) return;
    this.#inited = true;
    try {
      const newest = (await listJobs())[0];
      if (newest?.state === 'running' && !this.job) {
        this.job = newest;
        this.#schedule();
      }
    } catch {
      // An older server without sync: nothing to follow.
    }
  }

  /** Starts a job and opens its dialog; rejects with the server's error (one job at a time). */
  async start(url: string, direction: Direction, experiments: string[]): Promise<Job> {
    const job = await startSync(url, direction, experiments);
    this.follow(job, true);
    if (job.state !== 'running') this.#finished(job);
    return job;
  }

  /** Follows `job` (a finished one shows its report). */
  follow(job: Job, open: boolean) {
    this.job = job;
    this.open = open;
    this.unseen = false;
    this.error = null;
    if (job.state === 'running') this.#schedule();
  }

  /** Opens the dialog of the job followed. */
  show() {
    if (!this.job) return;
    this.open = true;
    this.unseen = false;
    this.#schedule();
  }

  /** Closes the dialog; a running job goes on (the sidebar shows it). */
  hide() {
    this.open = false;
    this.error = null;
    if (!this.running) this.unseen = false;
    this.#schedule();
  }

  async cancel() {
    const job = this.job;
    if (!job || job.state !== 'running') return;
    this.error = null;
    try {
      this.#update(await cancelJob(job.job_id));
    } catch (e) {
      this.error = toApiError(e).message;
    }
  }

  #schedule() {
    clearTimeout(this.#timer);
    if (!this.running) return;
    this.#timer = setTimeout(() => this.#tick(), this.open ? OPEN_MS : CLOSED_MS);
  }

  async #tick() {
    const job = this.job;
    if (!job) return;
    try {
      let next: Job | undefined;
      if (this.open) {
        next = await jobStatus(job.job_id);
      } else {
        const jobs = await listJobs();
        next = jobs.find((j) => j.job_id === job.job_id);
        // The server restarted: the job is gone, and so is the indicator.
        if (!next && this.job?.job_id === job.job_id) {
          this.job = null;
          return;
        }
      }
      if (next && this.job?.job_id === job.job_id) this.#update(next);
    } catch (e) {
      // The job is unknown (a restarted server): stop following it. Anything else passes.
      if (toApiError(e).code === 'RESOURCE_DOES_NOT_EXIST' && this.job?.job_id === job.job_id) {
        this.job = null;
        return;
      }
    }
    this.#schedule();
  }

  #update(next: Job) {
    const before = this.job;
    this.job = next;
    if (before?.state === 'running' && next.state !== 'running') this.#finished(next);
    // A pull reaching its next experiment has made the one before: list it now.
    else if (next.direction === 'pull' && before?.progress.experiment !== next.progress.experiment) notifyExperimentsChanged();
    this.#schedule();
  }

  #finished(job: Job) {
    if (!this.open) this.unseen = true;
    // A pull may have brought experiments: the sidebar and headers reload now.
    notifyExperimentsChanged();
    window.dispatchEvent(new CustomEvent(SYNC_FINISHED, { detail: job }));
  }
}

export const sync = new SyncJobs();
