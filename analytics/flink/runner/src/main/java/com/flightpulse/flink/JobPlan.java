// The job's operators as Flink identifies them in snapshots, for `flightpulse flink deploy`'s check that
// a new version can take over the running version's state. Flink maps snapshot state to operators by an
// ID; the SQL planner sets no uids, so the ID is Flink's hash of the operator's place in the graph, which
// stays the same when the topology does. The ID alone does not say the state still means the same thing
// (a 5-minute window's state would restore into a 10-minute window), so each operator also carries its
// definition as the planner describes it. Operators that can hold state: keyed ones, sources and sinks.
package com.flightpulse.flink;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamGraphHasherV2;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.StringUtils;

final class JobPlan {
  private JobPlan() {}

  /** One JSON object: {"operators":[{"id","name","description","stateful"}…]}, in graph order. */
  static String describe(StreamGraph graph) {
    Map<Integer, byte[]> hashes = new StreamGraphHasherV2().traverseStreamGraphAndGenerateHashes(graph);
    List<String> operators = new ArrayList<>();
    for (StreamNode node : graph.getStreamNodes()) {
      byte[] hash = hashes.get(node.getId());
      if (hash == null) throw new IllegalStateException("Flink gave operator " + node.getOperatorName() + " no ID");
      boolean keyed = node.getStatePartitioners() != null && node.getStatePartitioners().length > 0;
      boolean stateful = keyed || node.getInEdges().isEmpty() || node.getOutEdges().isEmpty();
      operators.add(
          "{\"id\":\"" + StringUtils.byteToHexString(hash) + "\",\"name\":" + json(node.getOperatorName())
              + ",\"description\":" + json(node.getOperatorDescription()) + ",\"stateful\":" + stateful + "}");
    }
    return "{\"operators\":[" + String.join(",", operators) + "]}";
  }

  private static String json(String text) {
    if (text == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }
}
