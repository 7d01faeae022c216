package dev.remediator.incident;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/**
 * Paging and chat: Slack incoming webhooks, PagerDuty Events API v2 (dedup_key = incident ID) and generic JSON
 * webhooks, as configured per channel name. Secrets come from env or files.
 */
@ActivityInterface
public interface NotificationActivities {

  /** Sends to every named channel; one channel failing does not stop the others. */
  @ActivityMethod
  NotificationResult send(Notification notification);
}
