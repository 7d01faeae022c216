package dev.remediator.worker;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;

/**
 * The worker's long polls wait for the connection to Temporal instead of failing at once while it is down
 * ({@code waitForReady}, within the poll's own deadline): the SDK's pollers then neither log a failure per attempt
 * nor back off for seconds after Temporal is back — they poll again as soon as the channel reconnects. Other calls
 * (the receiver's, the client's) still fail fast.
 */
public final class PollsWaitForReady implements ClientInterceptor {
  public static final PollsWaitForReady INSTANCE = new PollsWaitForReady();

  private PollsWaitForReady() {}

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    String name = method.getBareMethodName();
    boolean poll = name != null && name.startsWith("Poll") && name.endsWith("TaskQueue");
    return next.newCall(method, poll ? options.withWaitForReady() : options);
  }
}
