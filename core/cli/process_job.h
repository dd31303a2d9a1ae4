/* Processing jobs: what `dokpim submit` records for a batch and what
 * `dokpim work` performs (docs/distributed.md). A "dokpim.process" job runs
 * the pipeline's stages on one input for one library; a "dokpim.finish"
 * job runs the stages' finish() over the batch once its items settled. */
#ifndef DK_PROCESS_JOB_H
#define DK_PROCESS_JOB_H

#include "dk_queue.h"

#define DK_JOB_PROCESS "dokpim.process"
#define DK_JOB_FINISH  "dokpim.finish"

/* The job's options: everything a worker on another machine needs to do
 * the item exactly as a local run would. */
typedef struct process_spec {
    char *library;  /* absolute root */
    char *pipeline; /* absolute path, and its sha256 at submit */
    char *pipeline_sha256;
    char *event; /* absolute path, and its sha256 at submit */
    char *event_sha256;
    char **overrides; /* --set STAGE.OPTION=VALUE, NULL-terminated */
    int seq;          /* process: the item's number in the batch ({seq}) */
    GArray *items;    /* finish: int64_t ids of the batch's item jobs */
} process_spec;

/* JSON object (g_free()). */
char *process_spec_to_json(const process_spec *spec);
/* Parses a job's options; a job not made by this version is refused. */
int process_spec_from_json(const char *json, process_spec *spec, dk_error *err);
void process_spec_clear(process_spec *spec);
/* The job's target: kind, library, pipeline and a hash of the pipeline,
 * event and overrides, so that the same content submitted twice for the
 * same work is one job, and a changed pipeline is new work. g_free(). */
char *process_spec_target(const process_spec *spec, const char *plugin);

/* "process", "finish" or "upload": what `queue list` shows. */
const char *process_job_kind(const char *plugin);

/* What a worker keeps between jobs: the registry, and the pipeline and
 * event of the last batch (loaded once for all its items). */
typedef struct process_worker process_worker;
/* queue_url: the worker's --queue (NULL: none), where the stages' upload
 * jobs go as well. */
process_worker *process_worker_new(const dk_registry *registry,
                                   const char *queue_url);
void process_worker_free(process_worker **worker);
/* Fits dk_work_options.perform_other (perform_user: the process_worker). */
int process_worker_perform(void *worker, dk_job *job, dk_error *err);

/* `dokpim submit` and `dokpim run --submit`: what to record. */
typedef struct submit_request {
    const char *pipeline; /* as given */
    const char *event;
    const char *library; /* NULL: run's default folder for the event */
    char **overrides;
    const char *const *inputs;
    const char *queue_url; /* NULL: the library's queue */
    bool json, quiet;
} submit_request;

/* Checks the pipeline and event, hashes the inputs and records the jobs;
 * prints the summary. Returns the exit status. */
int submit_batch(const submit_request *request);

#endif
