package org.sparsemixer.loader;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sparsemixer.engine.FlopCount;
import org.sparsemixer.engine.ModelLayout;
import org.sparsemixer.engine.SparseMixerConfig;
import org.sparsemixer.loader.safetensors.DType;

/**
 * What {@code inspect} reports about a model directory: the config, the tensors (stored name, layout
 * name, dtype, shape, bytes, NaN/Inf counts), parameters per component, FLOPs per sequence and weight
 * memory, and the text tokenizer the directory carries ({@code tokenizer} is null when it has none). The
 * model is validated as {@link ModelLoader#load} does, its tokenizer as {@code run --text} and {@code serve}
 * load it, and every tensor is read once to count non-finite values.
 */
public record ModelSummary(Path modelDir, SparseMixerConfig config, List<Path> files, long fileBytes,
                           List<Tensor> tensors, Map<String, Long> parametersByComponent, double flopsPerSequence,
                           ModelTokenizer tokenizer) {

    /** Components in report order. */
    public static final List<String> COMPONENTS = List.of("embeddings", "mixing", "attention", "dense FFN", "experts",
            "router", "pooler", "layer norms");

    /** The component of a stored tensor the model accepts but never reads ({@link ModelLayout#unusedOptionalTensors}). */
    public static final String UNUSED = "unused";

    /** One tensor; {@code name} as stored, {@code layoutName} as the engine knows it. */
    public record Tensor(String name, String layoutName, DType dtype, int[] shape, long bytes, long elements,
                         String component, long nan, long posInf, long negInf) {
        public long nonFinite() {
            return nan + posInf + negInf;
        }
    }

    /** Validates and summarises the model in {@code modelDir}. */
    public static ModelSummary inspect(Path modelDir) throws IOException {
        SparseMixerConfig config = ModelLoader.readConfig(modelDir);
        try (ModelWeights weights = ModelWeights.open(modelDir)) {
            Map<String, ModelWeights.Stored> bound = ModelLoader.bind(config, weights);
            List<Tensor> tensors = new ArrayList<>();
            Map<String, Long> byComponent = new LinkedHashMap<>();
            COMPONENTS.forEach(c -> byComponent.put(c, 0L));
            Map<String, int[]> used = ModelLayout.expectedTensors(config);
            for (Map.Entry<String, ModelWeights.Stored> e : bound.entrySet()) {
                ModelWeights.Stored s = e.getValue();
                float[] values = s.file().floats(s.name());
                NonFiniteCount bad = NonFiniteCount.of(values);
                // an old export's post-norm MoE output layer norm: listed, not a parameter of the model
                String component = used.containsKey(e.getKey()) ? component(e.getKey()) : UNUSED;
                if (!component.equals(UNUSED)) {
                    byComponent.merge(component, (long) values.length, Long::sum);
                }
                tensors.add(new Tensor(s.name(), e.getKey(), s.info().dtype(), s.info().shape(), s.info().byteLength(),
                        values.length, component, bad.nan(), bad.positiveInfinity(), bad.negativeInfinity()));
            }
            List<Path> files = weights.files().stream().map(f -> f.path()).toList();
            return new ModelSummary(modelDir, config, files, weights.fileBytes(), List.copyOf(tensors), byComponent,
                    FlopCount.forward(config, 1), ModelTokenizer.load(modelDir, config).orElse(null));
        }
    }

    /** The component a layout tensor belongs to (one of {@link #COMPONENTS}). */
    public static String component(String layoutName) {
        if (layoutName.contains("layer_norm/")) {
            return "layer norms";
        }
        if (layoutName.startsWith("word_embeddings/") || layoutName.startsWith("position_embedding/")
                || layoutName.startsWith("type_embeddings/") || layoutName.startsWith("embedding_projection/")) {
            return "embeddings";
        }
        if (layoutName.startsWith("pooler_transform/")) {
            return "pooler";
        }
        if (layoutName.contains("/linear_transform/")) {
            return "mixing";
        }
        if (layoutName.contains("/self_attention/")) {
            return "attention";
        }
        if (layoutName.contains("/moe/router/")) {
            return "router";
        }
        if (layoutName.contains("/moe/experts/")) {
            return "experts";
        }
        return "dense FFN";
    }

    public long parameters() {
        return parametersByComponent.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bytes of the tensor data as stored. */
    public long storedBytes() {
        return tensors.stream().mapToLong(Tensor::bytes).sum();
    }

    /** Bytes of the weights once in the engine, which keeps them as float32. */
    public long engineBytes() {
        return 4 * parameters();
    }

    public long nonFinite() {
        return tensors.stream().mapToLong(Tensor::nonFinite).sum();
    }

    /** Machine-readable report. */
    public String toJson() {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("model", modelDir.toString());
        try {
            root.set("config", json.readTree(ConfigJson.toJson(config)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        ArrayNode fileArray = root.putArray("files");
        files.forEach(f -> fileArray.add(f.toString()));
        root.put("sharded", files.size() > 1 || !files.getFirst().getFileName().toString().equals(ModelLoader.WEIGHTS_FILE));
        ObjectNode params = root.putObject("parameters");
        params.put("total", parameters());
        ObjectNode comp = params.putObject("by_component");
        parametersByComponent.forEach(comp::put);
        root.put("flops_per_sequence", flopsPerSequence);
        ObjectNode memory = root.putObject("weight_memory_bytes");
        memory.put("files", fileBytes);
        memory.put("stored_tensors", storedBytes());
        memory.put("engine_f32", engineBytes());
        root.put("non_finite_values", nonFinite());
        if (tokenizer == null) {
            root.putNull("tokenizer");
        } else {
            ObjectNode t = root.putObject("tokenizer");
            t.put("file", tokenizer.file().getFileName().toString());
            t.put("kind", tokenizer.kind().configName());
            t.put("vocab_size", tokenizer.tokenizer().vocabSize());
            t.put("truncator", tokenizer.packer().truncator().configName());
        }
        ArrayNode list = root.putArray("tensors");
        for (Tensor t : tensors) {
            ObjectNode o = list.addObject();
            o.put("name", t.name());
            o.put("layout_name", t.layoutName());
            o.put("component", t.component());
            o.put("dtype", t.dtype().name());
            ArrayNode shape = o.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            o.put("elements", t.elements());
            o.put("bytes", t.bytes());
            o.put("nan", t.nan());
            o.put("pos_inf", t.posInf());
            o.put("neg_inf", t.negInf());
        }
        try {
            return json.writeValueAsString(root) + System.lineSeparator();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Human-readable report. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        SparseMixerConfig c = config;
        line(sb, "model:       %s", modelDir);
        line(sb, "files:       %s (%s)", files.size() == 1 ? files.getFirst().getFileName() : files.size() + " shards",
                bytes(fileBytes));
        line(sb, "config:      %d layers, hidden %d, seq len %d, %d experts (MoE layers %s), mixing %s, attention layers %s, %s",
                c.numLayers(), c.hiddenSize(), c.maxSequenceLength(), c.numExperts(), c.moeLayers(),
                c.mixingMechanism().configName(), c.attentionLayers(), c.normFirst() ? "pre-norm" : "post-norm");
        line(sb, "             vocab %d, type vocab %d, heads %d, inner dim %d, embedding width %d, examples/group %s,"
                        + " eval capacity factor %s (capacity %d of %d tokens), use_fft %s, dense inputs %s",
                c.vocabSize(), c.typeVocabSize(), c.numAttentionHeads(), c.innerDim(), c.embeddingWidth(),
                c.examplesPerGroup(), c.evalCapacityFactor(), c.expertCapacity(), c.tokensPerGroup(), c.useFft(),
                c.withDenseInputs());
        line(sb, "parameters:  %,d", parameters());
        for (Map.Entry<String, Long> e : parametersByComponent.entrySet()) {
            line(sb, "  %-12s %,15d  %5.1f%%", e.getKey(), e.getValue(), 100.0 * e.getValue() / Math.max(1, parameters()));
        }
        line(sb, "FLOPs/seq:   %.3g (%.2f GFLOP per sequence of %d tokens; matrix products, multiply-add = 2)",
                flopsPerSequence, flopsPerSequence / 1e9, c.maxSequenceLength());
        line(sb, "weights:     %s stored, %s in the engine (float32)", bytes(storedBytes()), bytes(engineBytes()));
        long bad = nonFinite();
        line(sb, "non-finite:  %s", bad == 0 ? "none" : String.format(Locale.ROOT, "%,d values (NaN or Inf; see the table)", bad));
        line(sb, "tokenizer:   %s", tokenizer == null ? "none (token ids only: run --inputs, serve input_word_ids)" : tokenizer);
        int width = Math.max(4, tensors.stream().mapToInt(t -> t.name().length()).max().orElse(4));
        sb.append(System.lineSeparator());
        line(sb, "%-" + width + "s  %-5s  %-16s  %12s%s", "name", "dtype", "shape", "bytes", bad == 0 ? "" : "  NaN/+Inf/-Inf");
        for (Tensor t : tensors) {
            line(sb, "%-" + width + "s  %-5s  %-16s  %,12d%s%s", t.name(), t.dtype(), shape(t.shape()), t.bytes(),
                    bad == 0 ? "" : t.nonFinite() == 0 ? "" : String.format(Locale.ROOT, "  %d/%d/%d", t.nan(), t.posInf(),
                            t.negInf()), t.component().equals(UNUSED) ? "  (unused: post-norm MoE layers have no output layer norm)" : "");
        }
        return sb.toString();
    }

    private static String shape(int[] s) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < s.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(s[i]);
        }
        return sb.append(']').toString();
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        if (b < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", b / (1024.0 * 1024 * 1024));
    }

    private static void line(StringBuilder sb, String format, Object... args) {
        sb.append(String.format(Locale.ROOT, format, args)).append(System.lineSeparator());
    }
}
