package org.sparsemixer.cli;

import java.lang.management.ManagementFactory;

/** Heap bytes allocated by every thread of the JVM so far, to report what a forward pass allocates. */
final class HeapAllocations {
    private HeapAllocations() {
    }

    /**
     * Bytes allocated in the heap by all threads (live and ended) since the JVM started, or -1 when the
     * JVM does not count them ({@code com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}).
     */
    static long total() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getTotalThreadAllocatedBytes();
        }
        return -1;
    }
}
