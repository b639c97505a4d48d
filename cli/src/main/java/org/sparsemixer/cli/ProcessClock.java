package org.sparsemixer.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Time since this process started, for cold-start figures. The launcher {@code exec}s the JVM, so on Linux
 * the process started with the launcher script: the figure includes the script, the JVM's start-up, class
 * loading and everything after.
 */
final class ProcessClock {
    /** Kernel clock ticks per second of {@code /proc/self/stat}'s start time (USER_HZ, 100 on Linux). */
    private static final double TICKS_PER_SECOND = 100.0;

    private ProcessClock() {
    }

    /**
     * Milliseconds since the process started: on Linux from {@code /proc/self/stat}'s start time against
     * {@code /proc/uptime} (10 ms resolution; {@code ProcessHandle.Info.startInstant} is only accurate to the
     * second there, through the boot time), elsewhere from the JVM's start time.
     */
    static double millisSinceStart() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String uptime = Files.readString(Path.of("/proc/uptime"));
            // Fields after the command name, which is in parentheses and may hold spaces; start time is field 22.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
            double startSeconds = Long.parseLong(fields[22 - 3]) / TICKS_PER_SECOND;
            double nowSeconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
            return (nowSeconds - startSeconds) * 1e3;
        } catch (IOException | RuntimeException e) {
            return System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        }
    }
}
