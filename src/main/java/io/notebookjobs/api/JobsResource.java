package io.notebookjobs.api;

import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.api.Responses.CountJobsResponse;
import io.notebookjobs.api.Responses.CreateJobResponse;
import io.notebookjobs.api.Responses.JobFileEntry;
import io.notebookjobs.api.Responses.ListFilesResponse;
import io.notebookjobs.api.Responses.ListJobsResponse;
import io.notebookjobs.api.Responses.UpdateJob;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.jobs.JobInput;
import io.notebookjobs.jobs.JobLogs;
import io.notebookjobs.jobs.JobService;
import io.notebookjobs.jobs.JobStatus;
import io.notebookjobs.jobs.JobView;
import io.notebookjobs.kube.KueuePositions;
import io.notebookjobs.storage.ContentDisposition;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.storage.ObjectStore;

/** The jobs endpoints of the jupyter-scheduler 2.11 contract, plus file listing and download. */
@Path("/scheduler")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobsResource {

    private static final SortSpec.Key DEFAULT_SORT = new SortSpec.Key("create_time", false);
    private static final Map<String, Function<JobView, Comparable<?>>> SORT_KEYS = Map.of(
            "name", v -> v.name().toLowerCase(Locale.ROOT),
            "input_filename", v -> v.record().inputFilename().toLowerCase(Locale.ROOT),
            "create_time", JobView::createTime,
            "update_time", JobView::updateTime,
            "start_time", v -> v.startTime(),
            "end_time", v -> v.endTime(),
            "status", v -> v.status().name());

    private final JobService jobs;
    private final ObjectStore store;
    private final CurrentUser user;
    private final ObjectMapper json;
    private final NotebookJobsConfig config;
    private final JobLogs logs;
    private final KueuePositions positions;

    public JobsResource(JobService jobs, ObjectStore store, CurrentUser user, ObjectMapper json,
            NotebookJobsConfig config, JobLogs logs, KueuePositions positions) {
        this.jobs = jobs;
        this.logs = logs;
        this.positions = positions;
        this.store = store;
        this.user = user;
        this.json = json;
        this.config = config;
    }

    @GET
    @Path("/jobs")
    @Operation(summary = "List jobs", description = "Filters combine; `name` is a prefix; every `tags` value must match; "
            + "`start_time` is milliseconds, inclusive. `sort_by` is repeatable: desc(field), asc(field) or field. "
            + "Users see their own jobs; administrators everyone's, or one user's with `owner`.")
    public ListJobsResponse list(
            @QueryParam("job_definition_id") String jobDefinitionId,
            @QueryParam("status") String status,
            @QueryParam("name") String name,
            @QueryParam("tags") List<String> tags,
            @QueryParam("start_time") String startTime,
            @QueryParam("sort_by") List<String> sortBy,
            @QueryParam("max_items") String maxItems,
            @QueryParam("next_token") String nextToken,
            @QueryParam("owner") String owner) {
        Optional<String> definition = QueryParams.text(jobDefinitionId);
        Optional<JobStatus> wantedStatus = QueryParams.status(status);
        Optional<String> namePrefix = QueryParams.text(name);
        List<String> wantedTags = QueryParams.values(tags);
        Optional<Long> startedFrom = QueryParams.number("start_time", startTime);
        SortSpec sort = SortSpec.parse(sortBy, SORT_KEYS.keySet(), DEFAULT_SORT);
        Integer limit = QueryParams.count("max_items", maxItems).orElse(null);

        List<JobView> matching = new ArrayList<>();
        for (JobView view : jobs.list(user.caller(), QueryParams.text(owner))) {
            if (definition.isPresent() && !definition.get().equals(view.record().jobDefinitionId())) {
                continue;
            }
            if (wantedStatus.isPresent() && wantedStatus.get() != view.status()) {
                continue;
            }
            if (namePrefix.isPresent() && !view.name().startsWith(namePrefix.get())) {
                continue;
            }
            if (!view.record().tags().containsAll(wantedTags)) {
                continue;
            }
            if (startedFrom.isPresent() && (view.startTime() == null || view.startTime() < startedFrom.get())) {
                continue;
            }
            matching.add(view);
        }
        Paging.Page<JobView> page = Paging.page(matching, sort, SORT_KEYS, JobView::jobId, limit,
                QueryParams.text(nextToken).orElse(null));
        return new ListJobsResponse(page.items().stream().map(JobDescriptions::describe).toList(), page.totalCount(),
                page.nextToken());
    }

    @POST
    @Path("/jobs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a job from a notebook already in the bucket",
            description = "`input_uri` must be s3://<configured bucket>/<key>; with package_input_folder the "
                    + "objects next to it are staged too.")
    public CreateJobResponse createFromBucket(CreateJob request) {
        if (request == null) {
            throw ApiException.badRequest("body", "a CreateJob JSON object is required");
        }
        return new CreateJobResponse(jobs.create(user.caller(), request, new JobInput.InBucket(request.inputUri())));
    }

    @POST
    @Path("/jobs")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Create a job with its notebook (and folder) uploaded",
            description = "Parts: `job` (CreateJob JSON), `input` (the notebook), and with package_input_folder "
                    + "any number of `files` whose file names are paths relative to the notebook's folder.")
    @RequestBody(required = true)
    public CreateJobResponse createWithUpload(
            @RestForm("job") String jobPart,
            @RestForm("input") FileUpload input,
            @RestForm("files") List<FileUpload> files) {
        CreateJob request = Multipart.json(json, jobPart, CreateJob.class, "CreateJob");
        JobInput.Upload upload = Multipart.upload(input, files);
        return new CreateJobResponse(jobs.create(user.caller(), request, upload));
    }

    @GET
    @Path("/jobs/count")
    @Operation(summary = "Count jobs with a status (default IN_PROGRESS); administrators count everyone's, or one owner's")
    public CountJobsResponse count(@QueryParam("status") String status, @QueryParam("owner") String owner) {
        JobStatus wanted = QueryParams.status(status).orElse(JobStatus.IN_PROGRESS);
        return new CountJobsResponse(jobs.list(user.caller(), QueryParams.text(owner)).stream()
                .filter(v -> v.status() == wanted).count());
    }

    @GET
    @Path("/jobs/{job_id}")
    @Operation(summary = "Describe a job")
    public DescribeJob get(@PathParam("job_id") String jobId) {
        JobView view = jobs.get(user.caller(), jobId);
        // Only here, for one job: the list stays free of calls to the cluster.
        return JobDescriptions.describe(view, logs.progress(view).orElse(null),
                positions.position(view.job()).orElse(null));
    }

    @GET
    @Path("/jobs/{job_id}/logs")
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "A job's log: from its pod while it exists (follow=true sends it as it is written, "
            + "until the job's container ends), afterwards the copy the executor saved")
    public Response logs(@PathParam("job_id") String jobId, @QueryParam("tail") String tail,
            @QueryParam("since") String since, @QueryParam("follow") String follow) {
        Integer tailLines = QueryParams.count("tail", tail).map(n -> {
            if (n > JobLogs.MAX_TAIL_LINES) {
                throw ApiException.badRequest("tail", "must be between 0 and " + JobLogs.MAX_TAIL_LINES + " lines");
            }
            return n;
        }).orElse(null);
        Integer sinceSeconds = QueryParams.count("since", since).map(n -> {
            if (n < 1) {
                throw ApiException.badRequest("since", "must be a number of seconds, at least 1");
            }
            return n;
        }).orElse(null);
        boolean following = QueryParams.flag("follow", follow);
        JobLogs.LogBody body = logs.logs(user.caller(), jobId, tailLines, sinceSeconds, following);
        StreamingOutput out = body::writeTo;
        return Response.ok(out, MediaType.TEXT_PLAIN_TYPE.withCharset("utf-8")).build();
    }

    @PATCH
    @Path("/jobs/{job_id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Stop a job ({\"status\": \"STOPPED\"}) or rename it ({\"name\", \"compute_type\"})")
    public Response update(@PathParam("job_id") String jobId, UpdateJob update) {
        if (update == null) {
            throw ApiException.badRequest("body", "an UpdateJob JSON object is required");
        }
        if (update.status() != null) {
            JobStatus status = JobStatus.parse(update.status()).orElse(null);
            if (status != JobStatus.STOPPED) {
                throw ApiException.badRequest("status", "only STOPPED can be set, to stop the job");
            }
        }
        if (update.name() != null || update.computeType() != null) {
            jobs.rename(user.caller(), jobId, update.name(), update.computeType());
        }
        if (update.status() != null) {
            jobs.stop(user.caller(), jobId);
        } else if (update.name() == null && update.computeType() == null) {
            jobs.get(user.caller(), jobId);
        }
        return Response.noContent().build();
    }

    @DELETE
    @Path("/jobs/{job_id}")
    @Operation(summary = "Delete a job: stop it, remove its files and its Kubernetes Job")
    public Response delete(@PathParam("job_id") String jobId) {
        jobs.delete(user.caller(), jobId);
        return Response.noContent().build();
    }

    @DELETE
    @Path("/batch/jobs")
    @Operation(summary = "Delete several jobs; unknown ids are skipped")
    public Response deleteMany(@QueryParam("job_id") List<String> jobIds) {
        for (String id : QueryParams.values(jobIds)) {
            jobs.deleteIfPresent(user.caller(), id);
        }
        return Response.noContent().build();
    }

    @GET
    @Path("/jobs/{job_id}/download_files")
    @Operation(summary = "No-op kept for the contract: the JupyterLab bridge copies outputs into the workspace")
    public Response downloadFiles(@PathParam("job_id") String jobId, @QueryParam("redownload") String redownload) {
        jobs.get(user.caller(), jobId);
        return Response.noContent().build();
    }

    @GET
    @Path("/jobs/{job_id}/files")
    @Operation(summary = "List a job's input, output and side-effect files in the bucket")
    public ListFilesResponse files(@PathParam("job_id") String jobId) {
        JobView view = jobs.get(user.caller(), jobId);
        JobPaths paths = jobs.paths(view);
        Map<String, String> formatsByName = outputFormatsByFileName(view);
        List<JobFileEntry> entries = new ArrayList<>();
        for (ObjectStore.StoredObject o : store.list(paths.inputPrefix())) {
            String rel = o.key().substring(paths.inputPrefix().length());
            entries.add(entry("input/" + rel, "input", o,
                    rel.equals(view.record().inputFilename()) ? "ipynb" : null));
        }
        for (ObjectStore.StoredObject o : store.list(paths.outputPrefix())) {
            String rel = o.key().substring(paths.outputPrefix().length());
            entries.add(entry("output/" + rel, "output", o, formatsByName.get(rel)));
        }
        for (ObjectStore.StoredObject o : store.list(paths.sideEffectsPrefix())) {
            entries.add(entry("files/" + o.key().substring(paths.sideEffectsPrefix().length()), "side_effect", o, null));
        }
        return new ListFilesResponse(entries);
    }

    @GET
    @Path("/jobs/{job_id}/files/{path: .+}")
    @Produces(MediaType.WILDCARD)
    @Operation(summary = "Download one of a job's files (or be redirected to a short-lived presigned URL)")
    public Response file(@PathParam("job_id") String jobId, @PathParam("path") String path) {
        JobView view = jobs.get(user.caller(), jobId);
        JobPaths paths = jobs.paths(view);
        String key = keyOf(paths, path);
        ObjectStore.StoredObject object = store.head(key)
                .orElseThrow(() -> ApiException.notFound("Job " + jobId + " has no file " + path));
        String filename = path.substring(path.lastIndexOf('/') + 1);
        if (config.s3().presignedDownloads()) {
            URI url = store.presign(key, config.s3().presignedUrlTtl(), filename);
            return Response.temporaryRedirect(url).build();
        }
        StreamingOutput body = out -> {
            try (InputStream in = store.open(key)) {
                in.transferTo(out);
            }
        };
        return Response.ok(body)
                .type(ObjectStore.contentTypeOf(filename))
                .header("Content-Length", object.size())
                .header("Content-Disposition", ContentDisposition.attachment(filename))
                .build();
    }

    private static String keyOf(JobPaths paths, String path) {
        int slash = path.indexOf('/');
        String area = slash < 0 ? path : path.substring(0, slash);
        String rest = slash < 0 ? "" : path.substring(slash + 1);
        String prefix = switch (area) {
            case "input" -> paths.inputPrefix();
            case "output" -> paths.outputPrefix();
            case "files" -> paths.sideEffectsPrefix();
            default -> throw ApiException.notFound("No file " + path + ": paths start with input/, output/ or files/");
        };
        try {
            io.notebookjobs.jobs.RequestRules.relativePath("path", rest);
        } catch (ApiException e) {
            throw ApiException.notFound("No file " + path);
        }
        return prefix + rest;
    }

    private static Map<String, String> outputFormatsByFileName(JobView view) {
        Map<String, String> byName = new java.util.HashMap<>();
        JobDescriptions.outputFiles(view).forEach((format, name) -> byName.put(name, format.id()));
        return byName;
    }

    private static JobFileEntry entry(String name, String kind, ObjectStore.StoredObject o, String format) {
        return new JobFileEntry(name, kind, o.size(), format,
                o.lastModified() == null ? null : o.lastModified().toEpochMilli());
    }
}
