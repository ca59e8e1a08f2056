# syntax=docker/dockerfile:1
# One image per Veil service, built from this checkout:
#   docker build --build-arg MODULE=gateway -t veil/gateway:0.1.0 .
# MODULE is one of session-service, job-market, gateway, host-agent. docker-compose.yml builds all four.
#
# Two ways to the jar: by default a JDK stage runs ./mvnw package for the module; with
# --target prebuilt the jar this checkout's own build made (./mvnw package) is copied instead, and
# no JDK image is needed. JRE_IMAGE picks the runtime's base: eclipse-temurin, as users pull it,
# or (./veil test, offline) localhost/veil-jre:test, made from the distribution's JDK.
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG JRE_IMAGE=eclipse-temurin:17-jre

FROM ${JDK_IMAGE} AS build
ARG MODULE
WORKDIR /src
COPY . .
# The Maven repository is a build cache, shared between the four images and kept between builds.
RUN --mount=type=cache,target=/root/.m2 \
    test -n "$MODULE" && test -f "$MODULE/pom.xml" \
    && ./mvnw -B -ntp -q package -DskipTests -pl "$MODULE" -am \
    && cp "$MODULE/target/$MODULE-0.1.0-SNAPSHOT-exec.jar" /app.jar

FROM ${JRE_IMAGE} AS runtime
# curl for the health checks in docker-compose.yml; nothing else is added (the offline base has it).
RUN command -v curl >/dev/null 2>&1 \
    || (apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*)
# An unprivileged user; the host agent overrides it where it must reach the engine's socket.
RUN id -u veil >/dev/null 2>&1 || (groupadd --system --gid 10001 veil \
    && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/veil --create-home veil)
WORKDIR /var/lib/veil
# Numeric, so Kubernetes can tell it is not root (runAsNonRoot).
USER 10001
# The heap's share of the container's memory limit, leaving the rest to metaspace, threads and
# Netty's direct buffers; an environment variable, so a deployment can set its own.
ENV JDK_JAVA_OPTIONS="-XX:MaxRAMPercentage=60"
ENTRYPOINT ["java", "-jar", "/opt/veil/app.jar"]

FROM runtime AS prebuilt
ARG MODULE
COPY ${MODULE}/target/${MODULE}-0.1.0-SNAPSHOT-exec.jar /opt/veil/app.jar

FROM runtime
COPY --from=build /app.jar /opt/veil/app.jar
