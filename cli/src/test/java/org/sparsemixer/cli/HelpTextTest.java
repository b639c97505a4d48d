package org.sparsemixer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Every help text of every command is a valid format string as written in the source: picocli runs each
 * description line through {@link String#format} (for %n), and a bare '%' ("within 10 % of it") makes it
 * print a "[picocli WARN]" instead of the help line on every {@code --help}. (The descriptions picocli's
 * model hands back are already unescaped, so the annotations themselves are read.)
 */
class HelpTextTest {
    @Test
    void everyDescriptionIsAValidFormatString() {
        List<String> bad = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        check(new CommandLine(new Main()), bad, commands);
        assertTrue(commands.containsAll(List.of("sparse-mixer", "run", "bench", "gemm", "serve", "tokenize", "convert",
                "inspect", "init")), commands::toString);
        assertEquals(List.of(), bad);
    }

    private static void check(CommandLine cli, List<String> bad, List<String> commands) {
        CommandSpec spec = cli.getCommandSpec();
        commands.add(spec.name());
        List<Object> owners = new ArrayList<>();
        owners.add(spec.userObject());
        spec.mixins().values().forEach(m -> owners.add(m.userObject()));
        for (Object owner : owners) {
            List<String> lines = new ArrayList<>();
            Command command = owner.getClass().getAnnotation(Command.class);
            if (command != null) {
                lines.addAll(List.of(command.description()));
            }
            for (Class<?> c = owner.getClass(); c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    Option option = f.getAnnotation(Option.class);
                    Parameters parameters = f.getAnnotation(Parameters.class);
                    if (option != null) {
                        lines.addAll(List.of(option.description()));
                    }
                    if (parameters != null) {
                        lines.addAll(List.of(parameters.description()));
                    }
                }
            }
            for (String line : lines) {
                try {
                    String.format(Locale.ROOT, line.replaceAll("\\$\\{[^}]*}", "x"));
                } catch (IllegalFormatException e) {
                    bad.add(spec.qualifiedName() + ": " + line + " (" + e + ")");
                }
            }
        }
        cli.getSubcommands().values().forEach(sub -> check(sub, bad, commands));
    }
}
