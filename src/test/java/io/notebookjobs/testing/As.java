package io.notebookjobs.testing;

import java.util.Map;

import io.restassured.RestAssured;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** API calls made as one signed-in user: every request carries that user's Authorization header. */
public record As(String user, String authorization) {

    public static As user(JupyterHubServer.HubToken token) {
        return new As(token.user(), token.header());
    }

    public RequestSpecification given() {
        return RestAssured.given().header("Authorization", authorization);
    }

    public ValidatableResponse get(String path) {
        return given().when().get(path).then();
    }

    public ValidatableResponse delete(String path) {
        return given().when().delete(path).then();
    }

    public ValidatableResponse patch(String path, Object body) {
        return given().contentType("application/json").body(Api.json(body)).when().patch(path).then();
    }

    public ValidatableResponse post(String path, Object body) {
        return given().contentType("application/json").body(Api.json(body)).when().post(path).then();
    }

    /** POST /scheduler/jobs with the test notebook uploaded. */
    public ValidatableResponse submit(Map<String, Object> job) {
        return Api.multipart(job, Api.notebook("hello.ipynb"), Map.of()).header("Authorization", authorization)
                .when().post("/scheduler/jobs").then();
    }

    public String create(Map<String, Object> job) {
        return submit(job).statusCode(200).extract().path("job_id");
    }

    public ValidatableResponse submitDefinition(Map<String, Object> definition) {
        return Api.multipart(definition, Api.notebook("hello.ipynb"), Map.of()).header("Authorization", authorization)
                .when().post("/scheduler/job_definitions").then();
    }

    public String createDefinition(Map<String, Object> definition) {
        return submitDefinition(definition).statusCode(200).extract().path("job_definition_id");
    }
}
