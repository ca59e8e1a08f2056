# syntax=docker/dockerfile:1
# One image per Veil service, built from this checkout:
#   docker build --build-arg MODULE=gateway -t veil/gateway .
# MODULE is one of session-service, job-market, gateway, host-agent. docker-compose.yml builds all four.

FROM eclipse-temurin:17-jdk AS build
ARG MODULE
WORKDIR /src
COPY . .
# The Maven repository is a build cache, shared between the four images and kept between builds.
RUN --mount=type=cache,target=/root/.m2 \
    test -n "$MODULE" && test -f "$MODULE/pom.xml" \
    && ./mvnw -B -ntp -q package -DskipTests -pl "$MODULE" -am \
    && cp "$MODULE/target/$MODULE-0.1.0-SNAPSHOT-exec.jar" /app.jar

FROM eclipse-temurin:17-jre
# curl for the health checks in docker-compose.yml; nothing else is added.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
# An unprivileged user; the host agent overrides it where it must reach the engine's socket.
RUN useradd --system --uid 10001 --home-dir /var/lib/veil --create-home veil
COPY --from=build /app.jar /opt/veil/app.jar
USER veil
WORKDIR /var/lib/veil
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/veil/app.jar"]
