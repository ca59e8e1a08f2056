package dev.veil.service.problem;

import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/** Every failure of a controller becomes a problem+json answer. */
@RestControllerAdvice
public class ProblemAdvice {

  @ExceptionHandler(Throwable.class)
  ResponseEntity<ProblemDetail> handle(Throwable error) {
    return ProblemMapping.toResponse(error);
  }
}
