package dev.flightpulse.interop;

import software.amazon.kinesis.coordinator.CoordinatorConfig;
import software.amazon.kinesis.coordinator.CoordinatorConfig.ClientVersionConfig;
import software.amazon.kinesis.leases.LeaseManagementConfig;

/**
 * KCL 3.x: `3x` is its own lease assignment (a leader places leases by worker metrics); `2x` is the mode
 * KCL 3.x offers for fleets that still hold KCL 2.x workers (the 2.x lease taker and balancer).
 */
final class KclVersion {
  static final String NAME = "3.5.1";

  private KclVersion() {}

  static void configure(CoordinatorConfig coordinator, LeaseManagementConfig leases, String mode) {
    // Scaled down with the failover time (the tests use seconds where production uses tens of them): the
    // leader's assignment round and each worker's metrics report default to minutes between them.
    leases.leaseAssignmentIntervalMillis(1000L);
    leases.workerUtilizationAwareAssignmentConfig().workerMetricsReporterFreqInMillis(1000L);
    switch (mode) {
      case "2x" -> coordinator.clientVersionConfig(ClientVersionConfig.CLIENT_VERSION_CONFIG_COMPATIBLE_WITH_2X);
      case "3x" -> coordinator.clientVersionConfig(ClientVersionConfig.CLIENT_VERSION_CONFIG_3X);
      default -> throw new IllegalArgumentException("KCL " + NAME + " modes are 2x and 3x, not " + mode);
    }
  }
}
