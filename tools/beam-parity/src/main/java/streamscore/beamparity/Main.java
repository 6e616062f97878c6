package streamscore.beamparity;

import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.beam.sdk.nexmark.NexmarkConfiguration;
import org.apache.beam.sdk.nexmark.NexmarkUtils;
import org.apache.beam.sdk.nexmark.model.Auction;
import org.apache.beam.sdk.nexmark.model.Bid;
import org.apache.beam.sdk.nexmark.model.Event;
import org.apache.beam.sdk.nexmark.model.Person;
import org.apache.beam.sdk.nexmark.sources.generator.Generator;
import org.apache.beam.sdk.nexmark.sources.generator.GeneratorConfig;
import org.apache.beam.sdk.values.TimestampedValue;

/**
 * Runs Apache Beam's NEXMark generator and prints what the TypeScript port must reproduce.
 *
 * <pre>
 *   pins            JSON document: per parity case, the first events (model field names), the
 *                   event-time watermark of each, and a SHA-256 over the canonical lines
 *   random          JSON document: java.util.Random reference values for the TS unit tests
 *   time CASE N     JSON line: Beam generator throughput on N events of a case (after warm-up)
 *   events CASE N   the first N events of a case as JSON lines
 * </pre>
 *
 * Canonical line (identical on the TypeScript side, see serialize.ts canonicalLine): the event
 * type, then every field in model order, separated by '|', times as ms since the epoch; every
 * line ends with '\n'; the digest covers the UTF-8 bytes of those lines in generation order.
 */
public final class Main {
  /** 2015-07-15T00:00:00Z, the base time of Beam's standard generator config. */
  static final long BASE_TIME = 1436918400000L;

  static final int FIRST_EVENTS = 60;
  static final int DIGEST_EVENTS = 100_000;

  /** One parity case: config overrides on top of Beam's defaults, plus the generator range. */
  static final class Case {
    final String name;
    final String note;
    final Map<String, Object> overrides = new LinkedHashMap<>();
    long firstEventId = 0;
    long firstEventNumber = 0;
    long maxEvents = DIGEST_EVENTS;
    int split = 1;

    Case(String name, String note) {
      this.name = name;
      this.note = note;
    }

    Case set(String key, Object value) {
      overrides.put(key, value);
      return this;
    }
  }

  static List<Case> cases() {
    List<Case> all = new ArrayList<>();
    all.add(
        new Case(
                "standard",
                "Beam defaults with numEventGenerators=1 (as Beam's own query tests), via"
                    + " NexmarkUtils.standardEventIterator")
            .set("numEventGenerators", 1));
    all.add(new Case("beamDefaults", "NexmarkConfiguration.DEFAULT untouched (100 generators)"));
    all.add(
        new Case("outOfOrder", "standard with outOfOrderGroupSize=12 (953 mod 12 = 5: a real shuffle)")
            .set("numEventGenerators", 1)
            .set("outOfOrderGroupSize", 12L));
    all.add(
        new Case("hotAndSizes", "other hot ratios, sizes, active people, SQUARE rate shape")
            .set("numEventGenerators", 3)
            .set("hotAuctionRatio", 3)
            .set("hotSellersRatio", 7)
            .set("hotBiddersRatio", 5)
            .set("avgPersonByteSize", 150)
            .set("avgAuctionByteSize", 700)
            .set("avgBidByteSize", 64)
            .set("numActivePeople", 500)
            .set("numInFlightAuctions", 50)
            .set("rateShape", "SQUARE")
            .set("firstEventRate", 20000)
            .set("nextEventRate", 5000)
            .set("ratePeriodSec", 10));
    all.add(
        new Case("sine", "SINE rate shape 50000..10000 events/s, 20 s period")
            .set("numEventGenerators", 1)
            .set("rateShape", "SINE")
            .set("firstEventRate", 50000)
            .set("nextEventRate", 10000)
            .set("ratePeriodSec", 20));
    all.add(
        new Case(
                "slowTiny",
                "1 event/min/generator x 100 (auction horizon > 2^31 ms: nextLong path), tiny"
                    + " sizes (no extra), hot ratios 1 (never hot), out-of-order 5")
            .set("rateUnit", "PER_MINUTE")
            .set("firstEventRate", 1)
            .set("nextEventRate", 1)
            .set("avgPersonByteSize", 10)
            .set("avgAuctionByteSize", 10)
            .set("avgBidByteSize", 10)
            .set("hotAuctionRatio", 1)
            .set("hotSellersRatio", 1)
            .set("hotBiddersRatio", 1)
            .set("outOfOrderGroupSize", 5L));
    Case offset =
        new Case("offsets", "standard config, firstEventId=5000, firstEventNumber=250")
            .set("numEventGenerators", 1);
    offset.firstEventId = 5000;
    offset.firstEventNumber = 250;
    all.add(offset);
    Case big =
        new Case("bigIds", "standard config, firstEventId=987654321012, firstEventNumber=123456789")
            .set("numEventGenerators", 1);
    big.firstEventId = 987_654_321_012L;
    big.firstEventNumber = 123_456_789L;
    all.add(big);
    Case split =
        new Case(
                "split4",
                "numEventGenerators=4, GeneratorConfig.split(4) of 100000 events; events of"
                    + " sub-generator 0, then 1, 2, 3")
            .set("numEventGenerators", 4);
    split.split = 4;
    all.add(split);
    return all;
  }

  static Case findCase(String name) {
    for (Case c : cases()) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    throw new IllegalArgumentException("unknown case " + name);
  }

  static NexmarkConfiguration configurationFor(Case c) throws Exception {
    NexmarkConfiguration conf = NexmarkConfiguration.DEFAULT.copy();
    conf.numEvents = c.maxEvents;
    for (Map.Entry<String, Object> e : c.overrides.entrySet()) {
      Field f = NexmarkConfiguration.class.getField(e.getKey());
      Object v = e.getValue();
      if (f.getType().isEnum()) {
        @SuppressWarnings({"unchecked", "rawtypes"})
        Object en = Enum.valueOf((Class<Enum>) f.getType(), (String) v);
        f.set(conf, en);
      } else if (f.getType() == long.class) {
        f.setLong(conf, ((Number) v).longValue());
      } else if (f.getType() == int.class) {
        f.setInt(conf, ((Number) v).intValue());
      } else if (f.getType() == double.class) {
        f.setDouble(conf, ((Number) v).doubleValue());
      } else if (f.getType() == boolean.class) {
        f.setBoolean(conf, (Boolean) v);
      } else {
        throw new IllegalArgumentException("unsupported override " + e.getKey());
      }
    }
    return conf;
  }

  /** The generators of a case, in output order. */
  static List<Generator> generatorsFor(Case c) throws Exception {
    NexmarkConfiguration conf = configurationFor(c);
    List<Generator> gens = new ArrayList<>();
    if (c.firstEventId == 0 && c.firstEventNumber == 0 && c.split == 1) {
      // Beam's own entry point: standardGeneratorConfig(conf) behind it.
      Iterator<TimestampedValue<Event>> it = NexmarkUtils.standardEventIterator(conf);
      gens.add((Generator) it);
      return gens;
    }
    GeneratorConfig gc =
        new GeneratorConfig(conf, BASE_TIME, c.firstEventId, c.maxEvents, c.firstEventNumber);
    for (GeneratorConfig sub : gc.split(c.split)) {
      gens.add(new Generator(sub));
    }
    return gens;
  }

  // ---- canonical form and JSON ----

  static void canonical(Event e, StringBuilder sb) {
    if (e.newPerson != null) {
      Person p = e.newPerson;
      sb.append("person|").append(p.id).append('|').append(p.name).append('|');
      sb.append(p.emailAddress).append('|').append(p.creditCard).append('|').append(p.city);
      sb.append('|').append(p.state).append('|').append(p.dateTime.getMillis()).append('|');
      sb.append(p.extra);
    } else if (e.newAuction != null) {
      Auction a = e.newAuction;
      sb.append("auction|").append(a.id).append('|').append(a.itemName).append('|');
      sb.append(a.description).append('|').append(a.initialBid).append('|').append(a.reserve);
      sb.append('|').append(a.dateTime.getMillis()).append('|').append(a.expires.getMillis());
      sb.append('|').append(a.seller).append('|').append(a.category).append('|').append(a.extra);
    } else {
      Bid b = e.bid;
      sb.append("bid|").append(b.auction).append('|').append(b.bidder).append('|');
      sb.append(b.price).append('|').append(b.dateTime.getMillis()).append('|').append(b.extra);
    }
    sb.append('\n');
  }

  static String str(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      if (ch == '"' || ch == '\\') {
        sb.append('\\').append(ch);
      } else if (ch < 0x20) {
        sb.append(String.format("\\u%04x", (int) ch));
      } else {
        sb.append(ch);
      }
    }
    return sb.append('"').toString();
  }

  static String json(Event e) {
    StringBuilder sb = new StringBuilder();
    if (e.newPerson != null) {
      Person p = e.newPerson;
      sb.append("{\"type\":\"person\",\"id\":").append(p.id);
      sb.append(",\"name\":").append(str(p.name));
      sb.append(",\"emailAddress\":").append(str(p.emailAddress));
      sb.append(",\"creditCard\":").append(str(p.creditCard));
      sb.append(",\"city\":").append(str(p.city));
      sb.append(",\"state\":").append(str(p.state));
      sb.append(",\"dateTime\":").append(p.dateTime.getMillis());
      sb.append(",\"extra\":").append(str(p.extra)).append('}');
    } else if (e.newAuction != null) {
      Auction a = e.newAuction;
      sb.append("{\"type\":\"auction\",\"id\":").append(a.id);
      sb.append(",\"itemName\":").append(str(a.itemName));
      sb.append(",\"description\":").append(str(a.description));
      sb.append(",\"initialBid\":").append(a.initialBid);
      sb.append(",\"reserve\":").append(a.reserve);
      sb.append(",\"dateTime\":").append(a.dateTime.getMillis());
      sb.append(",\"expires\":").append(a.expires.getMillis());
      sb.append(",\"seller\":").append(a.seller);
      sb.append(",\"category\":").append(a.category);
      sb.append(",\"extra\":").append(str(a.extra)).append('}');
    } else {
      Bid b = e.bid;
      sb.append("{\"type\":\"bid\",\"auction\":").append(b.auction);
      sb.append(",\"bidder\":").append(b.bidder);
      sb.append(",\"price\":").append(b.price);
      sb.append(",\"dateTime\":").append(b.dateTime.getMillis());
      sb.append(",\"extra\":").append(str(b.extra)).append('}');
    }
    return sb.toString();
  }

  static String jsonValue(Object v) {
    return v instanceof String ? str((String) v) : String.valueOf(v);
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02x", b & 0xff));
    }
    return sb.toString();
  }

  static String beamVersion() {
    String v = Generator.class.getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    String where = Generator.class.getProtectionDomain().getCodeSource().getLocation().toString();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("beam-sdks-java-nexmark-([^/]+)\\.jar").matcher(where);
    return m.find() ? m.group(1) : "unknown";
  }

  // ---- modes ----

  static void pins(PrintStream out) throws Exception {
    out.println("{");
    out.println("  \"beamArtifact\": \"org.apache.beam:beam-sdks-java-nexmark\",");
    out.println("  \"beamVersion\": " + str(beamVersion()) + ",");
    out.println("  \"javaVersion\": " + str(System.getProperty("java.version")) + ",");
    out.println("  \"generatedAt\": " + str(Instant.now().toString()) + ",");
    out.println(
        "  \"canonical\": "
            + str(
                "type|fields in model order separated by '|' (times as epoch ms), each line"
                    + " ending in \\n; sha256 over the UTF-8 bytes")
            + ",");
    out.println("  \"cases\": [");
    List<Case> all = cases();
    for (int ci = 0; ci < all.size(); ci++) {
      Case c = all.get(ci);
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      List<String> first = new ArrayList<>();
      List<String> meta = new ArrayList<>();
      StringBuilder sb = new StringBuilder(256);
      long count = 0;
      for (Generator g : generatorsFor(c)) {
        while (g.hasNext()) {
          Generator.NextEvent ne = g.nextEvent();
          if (first.size() < FIRST_EVENTS) {
            first.add(json(ne.event));
            meta.add("[" + ne.eventTimestamp + "," + ne.watermark + "]");
          }
          sb.setLength(0);
          canonical(ne.event, sb);
          md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
          count++;
        }
      }
      out.println("    {");
      out.println("      \"name\": " + str(c.name) + ",");
      out.println("      \"note\": " + str(c.note) + ",");
      StringBuilder ov = new StringBuilder("{");
      for (Map.Entry<String, Object> e : c.overrides.entrySet()) {
        if (ov.length() > 1) {
          ov.append(", ");
        }
        ov.append(str(e.getKey())).append(": ").append(jsonValue(e.getValue()));
      }
      out.println("      \"overrides\": " + ov.append('}') + ",");
      out.println("      \"baseTimeMs\": " + BASE_TIME + ",");
      out.println("      \"firstEventId\": " + c.firstEventId + ",");
      out.println("      \"firstEventNumber\": " + c.firstEventNumber + ",");
      out.println("      \"maxEvents\": " + c.maxEvents + ",");
      out.println("      \"split\": " + c.split + ",");
      out.println("      \"digestEvents\": " + count + ",");
      out.println("      \"sha256\": " + str(hex(md.digest())) + ",");
      out.println("      \"eventTimestampAndWatermark\": [" + String.join(", ", meta) + "],");
      out.println("      \"firstEvents\": [");
      for (int i = 0; i < first.size(); i++) {
        out.println("        " + first.get(i) + (i + 1 < first.size() ? "," : ""));
      }
      out.println("      ]");
      out.println("    }" + (ci + 1 < all.size() ? "," : ""));
    }
    out.println("  ]");
    out.println("}");
  }

  static void events(PrintStream out, String caseName, long n) throws Exception {
    long count = 0;
    for (Generator g : generatorsFor(findCase(caseName))) {
      while (g.hasNext() && count < n) {
        out.println(json(g.nextEvent().event));
        count++;
      }
    }
  }

  /** Consumes an event so the JIT cannot drop the work. */
  static long sink(Event e) {
    if (e.newPerson != null) {
      return e.newPerson.id + e.newPerson.extra.length() + e.newPerson.name.length();
    } else if (e.newAuction != null) {
      return e.newAuction.id + e.newAuction.extra.length() + e.newAuction.expires.getMillis();
    }
    return e.bid.auction + e.bid.price + e.bid.extra.length() + e.bid.dateTime.getMillis();
  }

  static long runBeam(NexmarkConfiguration conf, long n) {
    conf.numEvents = n;
    Generator g =
        new Generator(new GeneratorConfig(conf, BASE_TIME, 0, n, 0));
    long acc = 0;
    while (g.hasNext()) {
      acc += sink(g.nextEvent().event);
    }
    return acc;
  }

  /** CPU time of the whole JVM (all threads, JIT and GC included), as Node's process.cpuUsage. */
  static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return System.nanoTime();
  }

  static void time(PrintStream out, String caseName, long n) throws Exception {
    NexmarkConfiguration conf = configurationFor(findCase(caseName));
    long acc = 0;
    // Warm-up: let the JIT compile the generator before timing.
    long warmEnd = System.nanoTime() + 3_000_000_000L;
    long warmEvents = 0;
    while (System.nanoTime() < warmEnd) {
      acc += runBeam(conf.copy(), 200_000);
      warmEvents += 200_000;
    }
    double best = 0;
    double bestCpu = 0;
    double total = 0;
    int runs = 3;
    for (int r = 0; r < runs; r++) {
      long c0 = processCpuNanos();
      long t0 = System.nanoTime();
      acc += runBeam(conf.copy(), n);
      double secs = (System.nanoTime() - t0) / 1e9;
      double cpuSecs = Math.max(processCpuNanos() - c0, 1) / 1e9;
      best = Math.max(best, n / secs);
      bestCpu = Math.max(bestCpu, n / cpuSecs);
      total += secs;
    }
    out.println(
        "{\"case\":"
            + str(caseName)
            + ",\"events\":"
            + n
            + ",\"runs\":"
            + runs
            + ",\"bestEventsPerSec\":"
            + Math.round(best)
            + ",\"bestCpuEventsPerSec\":"
            + Math.round(bestCpu)
            + ",\"meanEventsPerSec\":"
            + Math.round(n * runs / total)
            + ",\"warmupEvents\":"
            + warmEvents
            + ",\"beamVersion\":"
            + str(beamVersion())
            + ",\"java\":"
            + str(System.getProperty("java.version"))
            + ",\"checksum\":"
            + acc
            + "}");
  }

  /** One scripted call on a java.util.Random; the TS test replays the same script. */
  static String op(Random r, String op, long arg) {
    switch (op) {
      case "nextInt":
        return "[\"nextInt\"," + r.nextInt() + "]";
      case "nextIntBound":
        return "[\"nextIntBound\"," + arg + "," + r.nextInt((int) arg) + "]";
      case "nextLong":
        return "[\"nextLong\",\"" + r.nextLong() + "\"]";
      case "nextDouble":
        // Exact: nextDouble() is k * 2^-53 with k an integer below 2^53.
        return "[\"nextDouble53\"," + (long) (r.nextDouble() * 9007199254740992.0) + "]";
      case "nextBoolean":
        return "[\"nextBoolean\"," + r.nextBoolean() + "]";
      default:
        throw new IllegalArgumentException(op);
    }
  }

  static void random(PrintStream out) throws Exception {
    long[] seeds = {
      0L, 1L, 2L, 42L, 49L, 50L, 1000L, 123456789L, -1L, -42L, -123456789012L,
      (1L << 31) - 1, 1L << 31, 1L << 32, (1L << 47) + 12345, (1L << 48) - 1, 1L << 48,
      (1L << 48) + 7, 1L << 52, (1L << 53) - 1, 1L << 53, -(1L << 53), -((1L << 53) - 1),
      0x5DEECE66DL, 987654321987654L
    };
    long[] bounds = {
      1, 2, 3, 4, 5, 7, 10, 11, 13, 16, 26, 100, 1000, 1010, 1024, 10000, 65536, 1_000_000,
      (1L << 30), (1L << 30) + 1, 1_500_000_000L, 2_000_000_000L, Integer.MAX_VALUE
    };
    out.println("{");
    out.println("  \"javaVersion\": " + str(System.getProperty("java.version")) + ",");
    out.println("  \"generatedAt\": " + str(Instant.now().toString()) + ",");
    out.println("  \"seeds\": [");
    for (int si = 0; si < seeds.length; si++) {
      Random r = new Random(seeds[si]);
      List<String> ops = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ops.add(op(r, "nextInt", 0));
      }
      for (long b : bounds) {
        ops.add(op(r, "nextIntBound", b));
        ops.add(op(r, "nextIntBound", b));
      }
      for (int i = 0; i < 3; i++) {
        ops.add(op(r, "nextLong", 0));
        ops.add(op(r, "nextDouble", 0));
        ops.add(op(r, "nextBoolean", 0));
      }
      out.println(
          "    {\"seed\": \""
              + seeds[si]
              + "\", \"ops\": ["
              + String.join(", ", ops)
              + "]}"
              + (si + 1 < seeds.length ? "," : ""));
    }
    out.println("  ],");
    // Bulk check of the rejection loop and of Math.pow/Math.round as Beam's nextPrice uses them:
    // for seeds 0..N-1, a fresh Random draws nextInt(bound) for a few awkward bounds and one price.
    int n = 200_000;
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    StringBuilder sb = new StringBuilder();
    long[] awkward = {3, 13, 1_500_000_001L, Integer.MAX_VALUE};
    for (int s = 0; s < n; s++) {
      Random r = new Random(s);
      sb.setLength(0);
      for (long b : awkward) {
        sb.append(r.nextInt((int) b)).append(',');
      }
      sb.append(Math.round(Math.pow(10.0, r.nextDouble() * 6.0) * 100.0)).append('\n');
      md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
    }
    out.println(
        "  \"bulk\": {\"seeds\": "
            + n
            + ", \"bounds\": [3, 13, 1500000001, 2147483647], \"line\": "
            + str("nextInt(b) for each bound joined by ',' then ',' + round(pow(10, nextDouble()*6)*100) + '\\n'")
            + ", \"sha256\": \""
            + hex(md.digest())
            + "\"}");
    out.println("}");
  }

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "pins";
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    switch (mode) {
      case "pins":
        pins(out);
        break;
      case "random":
        random(out);
        break;
      case "time":
        time(out, args.length > 1 ? args[1] : "standard", args.length > 2 ? Long.parseLong(args[2]) : 2_000_000L);
        break;
      case "events":
        events(out, args.length > 1 ? args[1] : "standard", args.length > 2 ? Long.parseLong(args[2]) : 60);
        break;
      default:
        System.err.println("usage: pins | random | time CASE N | events CASE N");
        System.exit(2);
    }
    out.flush();
  }
}
