package dev.slipway.platform.command;

import dev.slipway.common.status.CommandStatus;
import dev.slipway.platform.persistence.WireNameConverter;
import jakarta.persistence.Converter;

/** Command statuses in the database, by wire name ({@code checkout-log} included). */
@Converter
public class CommandStatusConverter extends WireNameConverter<CommandStatus> {
  public CommandStatusConverter() {
    super(CommandStatus.class);
  }
}
