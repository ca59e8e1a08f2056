package dev.veil.model.schema;

import com.fasterxml.classmate.ResolvedType;
import com.github.victools.jsonschema.generator.CustomDefinition;
import com.github.victools.jsonschema.generator.CustomDefinitionProviderV2;
import com.github.victools.jsonschema.generator.Module;
import com.github.victools.jsonschema.generator.SchemaGenerationContext;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaKeyword;
import dev.veil.model.job.Command;
import dev.veil.model.job.CreateVolumeOperation;
import dev.veil.model.job.Expose;
import dev.veil.model.job.ExposedPort;
import dev.veil.model.job.Operation;
import dev.veil.model.job.ResultPattern;
import dev.veil.model.job.RunOperation;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Teaches the JSON Schema generator the forms that Veil's custom readers accept and reflection
 * cannot see: commands (string or array), expose (number, range string or list), result patterns
 * (string or object) and ops (one of the known types, by {@code type}).
 *
 * <p>Used only at build time, by the jsonschema-maven-plugin in this module's pom; the generated
 * {@code dev/veil/model/job-definition.schema.json} ships in the jar.
 */
public final class JobDefinitionSchemaModule implements Module {

  @Override
  public void applyToConfigBuilder(SchemaGeneratorConfigBuilder builder) {
    builder.forTypesInGeneral().withCustomDefinitionProvider(new VeilForms());
  }

  private static final class VeilForms implements CustomDefinitionProviderV2 {
    @Override
    public CustomDefinition provideCustomSchemaDefinition(ResolvedType type, SchemaGenerationContext context) {
      Class<?> erased = type.getErasedType();
      if (erased == Command.class) {
        return new CustomDefinition(command(context));
      }
      if (erased == Expose.class) {
        return new CustomDefinition(expose(context));
      }
      if (erased == ResultPattern.class) {
        return new CustomDefinition(resultPattern(context));
      }
      if (erased == Operation.class) {
        return new CustomDefinition(operation(context));
      }
      if (erased == RunOperation.class || erased == CreateVolumeOperation.class) {
        // Passing this provider makes the generator skip it for the standard definition.
        ObjectNode standard = context.createStandardDefinition(type, this);
        ObjectNode typeProperty = ((ObjectNode) standard.path(context.getKeyword(SchemaKeyword.TAG_PROPERTIES)))
            .putObject("type");
        typeProperty.put(context.getKeyword(SchemaKeyword.TAG_CONST),
            erased == RunOperation.class ? RunOperation.TYPE : CreateVolumeOperation.TYPE);
        return new CustomDefinition(standard);
      }
      return null;
    }
  }

  private static ObjectNode command(SchemaGenerationContext context) {
    ObjectNode node = context.getGeneratorConfig().createObjectNode();
    ArrayNode oneOf = node.putArray(context.getKeyword(SchemaKeyword.TAG_ONEOF));
    oneOf.addObject().put("type", "string").put("description", "runs as /bin/sh -c <string>");
    ObjectNode array = oneOf.addObject().put("type", "array").put("description", "argument vector; [] keeps the image's default");
    array.putObject("items").put("type", "string");
    return node;
  }

  private static ObjectNode expose(SchemaGenerationContext context) {
    ObjectNode node = context.getGeneratorConfig().createObjectNode();
    ArrayNode oneOf = node.putArray(context.getKeyword(SchemaKeyword.TAG_ONEOF));
    oneOf.addObject().put("type", "integer").put("description", "a port, 1 to 65535");
    oneOf.addObject().put("type", "string").put("pattern", "^\\d{1,5}(-\\d{1,5})?$")
        .put("description", "a port range such as 8000-8010");
    ObjectNode list = oneOf.addObject().put("type", "array");
    ArrayNode items = list.putObject("items").putArray(context.getKeyword(SchemaKeyword.TAG_ANYOF));
    items.addObject().put("type", "integer").put("description", "a port, 1 to 65535");
    items.add(context.createDefinitionReference(context.getTypeContext().resolve(ExposedPort.class)));
    return node;
  }

  private static ObjectNode resultPattern(SchemaGenerationContext context) {
    ObjectNode node = context.getGeneratorConfig().createObjectNode();
    ArrayNode oneOf = node.putArray(context.getKeyword(SchemaKeyword.TAG_ONEOF));
    oneOf.addObject().put("type", "string").put("description", "a regex searched in all logs");
    ObjectNode object = oneOf.addObject().put("type", "object").put("additionalProperties", false);
    object.putArray("required").add("regex");
    ObjectNode properties = object.putObject("properties");
    properties.putObject("regex").put("type", "string");
    properties.putObject("logType").put("type", "array").putObject("items").put("type", "string")
        .putArray("enum").add("stdin").add("stdout").add("stderr").add("nodeout").add("nodeerr");
    return node;
  }

  private static ObjectNode operation(SchemaGenerationContext context) {
    ObjectNode node = context.getGeneratorConfig().createObjectNode();
    ArrayNode oneOf = node.putArray(context.getKeyword(SchemaKeyword.TAG_ONEOF));
    oneOf.add(context.createDefinitionReference(context.getTypeContext().resolve(RunOperation.class)));
    oneOf.add(context.createDefinitionReference(context.getTypeContext().resolve(CreateVolumeOperation.class)));
    return node;
  }
}
