package dev.streamscore.flink.kinesis;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.KinesisClientBuilder;

/** Where a stream is and how to reach it; serialisable so sources and sinks carry it to the TMs. */
public final class KinesisOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String stream;
  public final String region;
  /** Endpoint override (kinesalite, LocalStack); null on AWS. */
  public final String endpoint;
  /** Basic credentials; null uses the SDK's default chain (instance profile, MSF role, env). */
  public final String accessKeyId;
  public final String secretAccessKey;
  /** CBOR off for local endpoints (kinesalite); the SDK reads aws.cborEnabled when a client is built. */
  public final boolean cbor;

  public KinesisOptions(String stream, String region, String endpoint, String accessKeyId, String secretAccessKey, boolean cbor) {
    this.stream = stream;
    this.region = region;
    this.endpoint = endpoint;
    this.accessKeyId = accessKeyId;
    this.secretAccessKey = secretAccessKey;
    this.cbor = cbor;
  }

  public KinesisClient newClient() {
    if (!cbor) System.setProperty("aws.cborEnabled", "false");
    AwsCredentialsProvider credentials = accessKeyId != null && !accessKeyId.isEmpty()
        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey == null ? "" : secretAccessKey))
        : DefaultCredentialsProvider.builder().build();
    KinesisClientBuilder b = KinesisClient.builder()
        .region(Region.of(region))
        .credentialsProvider(credentials)
        .httpClientBuilder(ApacheHttpClient.builder()
            .maxConnections(16)
            .connectionTimeout(Duration.ofSeconds(10))
            .socketTimeout(Duration.ofSeconds(30)));
    if (endpoint != null && !endpoint.isEmpty()) b = b.endpointOverride(URI.create(endpoint));
    return b.build();
  }
}
