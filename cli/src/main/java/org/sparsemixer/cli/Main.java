package org.sparsemixer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/**
 * The {@code sparse-mixer} command line. {@link #execute} runs one invocation without exiting the JVM
 * (tests call it directly); {@link #main} runs it and exits with its code.
 *
 * <p>Exit codes (SPEC section 5): 0 success, 2 bad input or model files or bad command-line usage,
 * 1 anything else. Every error is one line on stderr starting with {@code error: }; a stack trace
 * follows only with {@code --verbose}.
 */
@Command(name = "sparse-mixer",
        mixinStandardHelpOptions = true,
        versionProvider = Main.VersionProvider.class,
        description = "Pure-Java CPU inference engine for the Sparse Mixer encoder.",
        subcommands = {RunCommand.class, BenchCommand.class, ServeCommand.class, InspectCommand.class, ConvertCommand.class,
            InitCommand.class, TokenizeCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:internal or unexpected error",
            "2:bad input or model files, or bad command-line usage"})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_ERROR = 1;
    public static final int EXIT_BAD_INPUT = 2;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print more detail, and a stack trace after an error message.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        // No subcommand: a usage error like any other.
        throw new ParameterException(spec.commandLine(), "missing command, e.g. 'sparse-mixer run'");
    }

    public static void main(String[] args) {
        int code = execute(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(code);
    }

    /** Runs one command line; never calls {@link System#exit}. */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        PrintWriter outWriter = new PrintWriter(out, true, out.charset());
        PrintWriter errWriter = new PrintWriter(err, true, err.charset());
        boolean verboseRequested = java.util.Arrays.asList(args).contains("--verbose");
        try {
            CommandLine cli = new CommandLine(new Main());
            cli.setOut(outWriter);
            cli.setErr(errWriter);
            cli.setCaseInsensitiveEnumValuesAllowed(true);
            cli.setExitCodeExceptionMapper(ErrorReporting::exitCode);
            cli.setParameterExceptionHandler((ParameterException e, String[] a) -> {
                ErrorReporting.report(errWriter, usageMessage(e), e, verboseRequested);
                return EXIT_BAD_INPUT;
            });
            cli.setExecutionExceptionHandler((Exception e, CommandLine cmd, ParseResult parsed) -> {
                ErrorReporting.report(errWriter, ErrorReporting.message(e), e, verboseRequested);
                return ErrorReporting.exitCode(e);
            });
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            ErrorReporting.report(errWriter, "out of memory (" + e.getMessage()
                    + "); give the JVM more heap, e.g. JAVA_OPTS=-Xmx8g", e, verboseRequested);
            return EXIT_ERROR;
        } catch (StackOverflowError e) {
            ErrorReporting.report(errWriter, "stack overflow", e, verboseRequested);
            return EXIT_ERROR;
        } finally {
            outWriter.flush();
            errWriter.flush();
        }
    }

    private static String usageMessage(ParameterException e) {
        String message = ErrorReporting.oneLine(e.getMessage() == null ? "invalid command line" : e.getMessage());
        // picocli starts some messages with its own "Error: "; ours already starts with "error: "
        if (message.startsWith("Error: ")) {
            message = message.substring("Error: ".length());
        }
        CommandLine cmd = e.getCommandLine();
        String name = cmd == null ? "sparse-mixer" : cmd.getCommandSpec().qualifiedName();
        return message + " (see '" + name + " --help')";
    }

    /** The project version, filtered into a resource at build time. */
    static final class VersionProvider implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"sparse-mixer " + version(),
                    "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ")"};
        }
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
