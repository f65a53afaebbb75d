package io.notebookjobs.api;

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

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.api.DefinitionDtos.CreateJobDefinition;
import io.notebookjobs.api.DefinitionDtos.CreateJobDefinitionResponse;
import io.notebookjobs.api.DefinitionDtos.DescribeJobDefinition;
import io.notebookjobs.api.DefinitionDtos.ListJobDefinitionsResponse;
import io.notebookjobs.api.DefinitionDtos.RunNow;
import io.notebookjobs.api.DefinitionDtos.UpdateJobDefinition;
import io.notebookjobs.api.Responses.CreateJobResponse;
import io.notebookjobs.definitions.DefinitionRecord;
import io.notebookjobs.definitions.DefinitionService;
import io.notebookjobs.definitions.DefinitionView;
import io.notebookjobs.jobs.JobInput;
import io.notebookjobs.jobs.Notify;

/** The job definition endpoints of the jupyter-scheduler 2.11 contract. */
@Path("/scheduler/job_definitions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "job definitions")
public class DefinitionsResource {

    private static final SortSpec.Key DEFAULT_SORT = new SortSpec.Key("create_time", false);
    private static final Map<String, Function<DefinitionView, Comparable<?>>> SORT_KEYS = Map.of(
            "name", v -> v.record().name().toLowerCase(Locale.ROOT),
            "input_filename", v -> v.record().inputFilename().toLowerCase(Locale.ROOT),
            "create_time", v -> v.record().createTime(),
            "update_time", v -> v.record().updateTime());

    private final DefinitionService definitions;
    private final CurrentUser user;
    private final ObjectMapper json;

    public DefinitionsResource(DefinitionService definitions, CurrentUser user, ObjectMapper json) {
        this.definitions = definitions;
        this.user = user;
        this.json = json;
    }

    @GET
    @Operation(summary = "List job definitions", description = "`name` is a prefix; every `tags` value must match; "
            + "`create_time` is milliseconds, inclusive; sort_by, max_items and next_token as for jobs.")
    public ListJobDefinitionsResponse list(
            @QueryParam("name") String name,
            @QueryParam("tags") List<String> tags,
            @QueryParam("create_time") String createTime,
            @QueryParam("sort_by") List<String> sortBy,
            @QueryParam("max_items") String maxItems,
            @QueryParam("next_token") String nextToken,
            @QueryParam("owner") String owner) {
        Optional<String> namePrefix = QueryParams.text(name);
        List<String> wantedTags = QueryParams.values(tags);
        Optional<Long> createdFrom = QueryParams.number("create_time", createTime);
        SortSpec sort = SortSpec.parse(sortBy, SORT_KEYS.keySet(), DEFAULT_SORT);
        Integer limit = QueryParams.count("max_items", maxItems).orElse(null);

        List<DefinitionView> matching = new ArrayList<>();
        for (DefinitionView view : definitions.list(user.caller(), QueryParams.text(owner))) {
            DefinitionRecord r = view.record();
            if (namePrefix.isPresent() && !r.name().startsWith(namePrefix.get())) {
                continue;
            }
            if (!r.tags().containsAll(wantedTags)) {
                continue;
            }
            if (createdFrom.isPresent() && r.createTime() < createdFrom.get()) {
                continue;
            }
            matching.add(view);
        }
        Paging.Page<DefinitionView> page = Paging.page(matching, sort, SORT_KEYS, DefinitionView::id, limit,
                QueryParams.text(nextToken).orElse(null));
        return new ListJobDefinitionsResponse(page.items().stream().map(this::describe).toList(), page.totalCount(),
                page.nextToken());
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a job definition from a notebook already in the bucket (input_uri = s3://...)")
    public CreateJobDefinitionResponse createFromBucket(CreateJobDefinition request) {
        if (request == null) {
            throw ApiException.badRequest("body", "a CreateJobDefinition JSON object is required");
        }
        return new CreateJobDefinitionResponse(
                definitions.create(user.caller(), request, new JobInput.InBucket(request.inputUri())));
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Create a job definition with its notebook (and folder) uploaded",
            description = "Parts as for jobs: `job` (CreateJobDefinition JSON), `input`, `files`.")
    public CreateJobDefinitionResponse createWithUpload(
            @RestForm("job") String jobPart,
            @RestForm("input") FileUpload input,
            @RestForm("files") List<FileUpload> files) {
        CreateJobDefinition request = Multipart.json(json, jobPart, CreateJobDefinition.class, "CreateJobDefinition");
        return new CreateJobDefinitionResponse(definitions.create(user.caller(), request, Multipart.upload(input, files)));
    }

    @GET
    @Path("/{job_definition_id}")
    @Operation(summary = "Describe a job definition")
    public DescribeJobDefinition get(@PathParam("job_definition_id") String id) {
        return describe(definitions.get(user.caller(), id));
    }

    @PATCH
    @Path("/{job_definition_id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Update a job definition; given fields replace the current ones",
            description = "`active` false pauses, true resumes; a new `input_uri` (s3://...) replaces the input.")
    public Response update(@PathParam("job_definition_id") String id, UpdateJobDefinition update) {
        if (update == null) {
            throw ApiException.badRequest("body", "an UpdateJobDefinition JSON object is required");
        }
        JobInput input = update.inputUri() == null || update.inputUri().isBlank() ? null
                : new JobInput.InBucket(update.inputUri());
        definitions.update(user.caller(), id, update, input);
        return Response.noContent().build();
    }

    @PATCH
    @Path("/{job_definition_id}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Operation(summary = "Update a job definition and replace its notebook (and folder) with uploaded ones")
    public Response updateWithUpload(@PathParam("job_definition_id") String id,
            @RestForm("job") String jobPart,
            @RestForm("input") FileUpload input,
            @RestForm("files") List<FileUpload> files) {
        UpdateJobDefinition update = Multipart.json(json, jobPart, UpdateJobDefinition.class, "UpdateJobDefinition");
        definitions.update(user.caller(), id, update, input == null ? null : Multipart.upload(input, files));
        return Response.noContent().build();
    }

    @DELETE
    @Path("/{job_definition_id}")
    @Operation(summary = "Delete a job definition with all its runs and their files")
    public Response delete(@PathParam("job_definition_id") String id) {
        definitions.delete(user.caller(), id);
        return Response.noContent().build();
    }

    @POST
    @Path("/{job_definition_id}/jobs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a job definition now; given parameters replace the definition's for this run")
    public CreateJobResponse runNow(@PathParam("job_definition_id") String id, RunNow request) {
        return new CreateJobResponse(definitions.runNow(user.caller(), id, request == null ? null : request.parameters()));
    }

    private DescribeJobDefinition describe(DefinitionView view) {
        DefinitionRecord r = view.record();
        return new DescribeJobDefinition(r.jobDefinitionId(), r.name(), r.inputFilename(), r.runtimeEnvironmentName(),
                r.runtimeEnvironmentParameters(), r.outputFormats(), r.parameters(), r.tags(), r.computeType(),
                r.schedule(), r.timezone(), r.createTime(), r.updateTime(), view.active(), r.packageInputFolder(),
                r.packagedFiles(), r.timeoutSeconds(), r.maxRetries(), definitions.nextRunTime(view).orElse(null), r.owner(),
                Notify.emailOf(r.notifications()), Notify.webhooksOf(r.notifications()));
    }
}
