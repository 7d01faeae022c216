package dev.remediator.config;

/**
 * The worker's Worker Versioning identity (docs: README "Changing a runbook in production"). Both optional: with no
 * deployment name the worker is unversioned, as before; {@code remediator worker --deployment-name/--build-id} and
 * {@code REMEDIATOR_DEPLOYMENT_NAME}/{@code REMEDIATOR_BUILD_ID} take precedence over the file.
 *
 * @param deploymentName the Temporal Worker Deployment this worker belongs to (e.g. {@code remediator}); unset: no
 *     versioning
 * @param buildId this worker's build (default: the jar's version and git commit, else a hash of the jar)
 */
public record WorkerConfig(String deploymentName, String buildId) {}
