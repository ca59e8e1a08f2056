package dev.veil.model.job;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What an exposed port serves. */
public enum ExposeType {
  @JsonProperty("web") WEB,
  @JsonProperty("api") API,
  @JsonProperty("webapi") WEBAPI,
  @JsonProperty("websocket") WEBSOCKET,
  @JsonProperty("none") NONE
}
