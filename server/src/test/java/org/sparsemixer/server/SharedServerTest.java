package org.sparsemixer.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/** Tests that share one server over the linear fixture with the default options, started once per class. */
@Timeout(120)
abstract class SharedServerTest {
    static TestServer t;

    @BeforeAll
    static void start() {
        t = new TestServer(Fixtures.LINEAR, TestServer.options());
    }

    @AfterAll
    static void stop() {
        t.close();
    }
}
