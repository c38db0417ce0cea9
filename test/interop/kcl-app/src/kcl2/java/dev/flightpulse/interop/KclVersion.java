package dev.flightpulse.interop;

import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.leases.LeaseManagementConfig;

/** KCL 2.x: one lease-assignment mode (the lease taker), nothing to choose. */
final class KclVersion {
  static final String NAME = "2.7.2";

  private KclVersion() {}

  static void configure(CoordinatorConfig coordinator, LeaseManagementConfig leases, String mode) {
    if (!mode.equals("2x")) {
      throw new IllegalArgumentException("KCL " + NAME + " has only mode 2x, not " + mode);
    }
  }
}
