package io.notebookjobs.policy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import io.notebookjobs.identity.Caller;
import io.notebookjobs.model.PodProfile;
import io.notebookjobs.model.Quantity;

/**
 * The group policy, checked once when it is read: profiles, volumes, and what everyone and each
 * group may use. {@link #grantsFor} gives one caller's share of it. Pure: no I/O after
 * {@link #read}, so it is unit-tested from YAML strings.
 */
public final class GroupPolicy {

    /** A group policy that grants nothing beyond the service's own maxima. */
    public static final GroupPolicy OPEN = new GroupPolicy(new LinkedHashMap<>(), new LinkedHashMap<>(), null,
            new LinkedHashMap<>(), null, false);

    /** A custom image needs at least a tag, as the platform's spawner demands. */
    static final String DEFAULT_IMAGE_PATTERN = "^.+:.+$";
    private static final Pattern NAME = Pattern.compile("^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$");
    /** Volume names become pod volume names ("v-" + name): DNS labels. */
    private static final Pattern VOLUME_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,59}[a-z0-9])?$");
    /** Kueue LocalQueue names are label values on the Job: DNS labels. */
    private static final Pattern QUEUE_NAME = Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$");
    private static final Pattern CLAIM = Pattern.compile("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$");
    private static final Pattern UNSAFE_SEGMENT = Pattern.compile("[/\\\\\\p{Cntrl}]");
    private static final List<String> RESERVED_MOUNTS = List.of("/work", "/tmp");

    private static final ObjectMapper YAML = YAMLMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private record Block(String group, List<String> profiles, Optional<String> defaultProfile, LimitsSpecChecked limits,
            List<PolicyDocument.VolumeGrant> volumes, Optional<String> queue) {
    }

    private record LimitsSpecChecked(Optional<Quantity> maxCpu, Optional<Quantity> maxMemory, Optional<Integer> maxGpu,
            Optional<ImageRule> imageRule) {
    }

    private final Map<String, Profile> profiles;
    private final Map<String, PolicyDocument.VolumeSpec> volumes;
    private final Block everyone;
    private final Map<String, Block> groups;
    private final String defaultProfile;
    private final boolean configured;

    private GroupPolicy(Map<String, Profile> profiles, Map<String, PolicyDocument.VolumeSpec> volumes, Block everyone,
            Map<String, Block> groups, String defaultProfile, boolean configured) {
        this.profiles = profiles;
        this.volumes = volumes;
        this.everyone = everyone;
        this.groups = groups;
        this.defaultProfile = defaultProfile;
        this.configured = configured;
    }

    public static GroupPolicy read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new PolicyException("cannot read the group policy " + file + ": " + e.getMessage(), e);
        }
    }

    /** @param source where the text came from, for messages */
    public static GroupPolicy parse(String yaml, String source) {
        if (yaml.isBlank()) {
            throw new PolicyException("the group policy " + source + " is empty");
        }
        PolicyDocument doc;
        try {
            doc = YAML.readValue(yaml, PolicyDocument.class);
        } catch (IOException e) {
            throw new PolicyException("the group policy " + source + " is not valid: " + e.getMessage(), e);
        }
        if (doc == null) {
            throw new PolicyException("the group policy " + source + " is empty");
        }
        return compile(doc, source);
    }

    public boolean configured() {
        return configured;
    }

    /** Every profile of the policy, in the file's order. */
    public Map<String, Profile> profiles() {
        return profiles;
    }

    /**
     * One caller's share: everyone's grants and those of each of its groups, in the file's order.
     *
     * @param owner whose jobs these are: per-user volume folders ({user}) are the owner's
     */
    public Grants grantsFor(Caller caller, String owner) {
        if (!configured) {
            return Grants.OPEN;
        }
        List<Block> blocks = new ArrayList<>();
        for (Map.Entry<String, Block> group : groups.entrySet()) {
            if (caller.groups().contains(group.getKey())) {
                blocks.add(group.getValue());
            }
        }
        if (everyone != null) {
            blocks.add(everyone);
        }
        Set<String> names = new LinkedHashSet<>();
        blocks.forEach(b -> names.addAll(b.profiles()));
        List<Profile> granted = profiles.values().stream().filter(p -> names.contains(p.name())).toList();
        // The most specific default wins: a group's (in file order), then everyone's, then the file's.
        Optional<String> defaultName = blocks.stream().flatMap(b -> b.defaultProfile().stream()).findFirst()
                .or(() -> Optional.ofNullable(defaultProfile).filter(names::contains))
                .or(() -> granted.stream().findFirst().map(Profile::name));
        Map<String, PodProfile.Volume> mounted = new LinkedHashMap<>();
        for (Block b : blocks) {
            for (PolicyDocument.VolumeGrant grant : b.volumes()) {
                PodProfile.Volume v = volume(grant, owner);
                mounted.merge(v.name(), v, (x, y) -> x.readOnly() && !y.readOnly() ? y : x);
            }
        }
        // Like the default profile: the most specific grant that names a queue decides.
        Optional<String> queue = blocks.stream().flatMap(b -> b.queue().stream()).findFirst();
        return new Grants(granted, defaultName, limits(blocks), List.copyOf(mounted.values()), true, queue);
    }

    /** A profile's own volumes for this owner. */
    public List<PodProfile.Volume> profileVolumes(Profile profile, String owner) {
        return profile.volumes().stream().map(g -> volume(g, owner)).toList();
    }

    private PodProfile.Volume volume(PolicyDocument.VolumeGrant grant, String owner) {
        PolicyDocument.VolumeSpec spec = volumes.get(grant.name());
        boolean readOnly = grant.readOnly() != null ? grant.readOnly() : Boolean.TRUE.equals(spec.readOnly());
        String subPath = spec.subPath() == null ? null : spec.subPath().replace("{user}", userFolder(owner));
        return new PodProfile.Volume(grant.name(), spec.claim(), spec.mountPath(), readOnly, subPath);
    }

    /** A user name as one folder name: JupyterHub and OIDC names can hold characters a path cannot. */
    static String userFolder(String owner) {
        if (owner.equals(".") || owner.equals("..") || UNSAFE_SEGMENT.matcher(owner).find()) {
            throw new IllegalArgumentException("the user name '" + owner + "' cannot be a folder name");
        }
        return owner;
    }

    private static Limits limits(List<Block> blocks) {
        Optional<Quantity> cpu = Optional.empty();
        Optional<Quantity> memory = Optional.empty();
        Optional<Integer> gpu = Optional.empty();
        List<ImageRule> rules = new ArrayList<>();
        for (Block b : blocks) {
            cpu = larger(cpu, b.limits().maxCpu());
            memory = larger(memory, b.limits().maxMemory());
            gpu = larger(gpu, b.limits().maxGpu());
            b.limits().imageRule().ifPresent(rules::add);
        }
        return new Limits(cpu, memory, gpu, rules);
    }

    private static <T extends Comparable<? super T>> Optional<T> larger(Optional<T> a, Optional<T> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return a.get().compareTo(b.get()) >= 0 ? a : b;
    }

    // ---- checking the document

    private static GroupPolicy compile(PolicyDocument doc, String source) {
        Map<String, PolicyDocument.VolumeSpec> volumes = new LinkedHashMap<>();
        if (doc.volumes() != null) {
            doc.volumes().forEach((name, spec) -> volumes.put(name, checkVolume("volumes." + name, name, spec)));
        }
        Map<String, Profile> profiles = new LinkedHashMap<>();
        if (doc.profiles() != null) {
            doc.profiles().forEach((name, spec) -> profiles.put(name, checkProfile("profiles." + name, name, spec, volumes)));
        }
        Block everyone = doc.everyone() == null ? null : checkGrant("everyone", null, doc.everyone(), profiles, volumes);
        Map<String, Block> groups = new LinkedHashMap<>();
        if (doc.groups() != null) {
            doc.groups().forEach((group, spec) -> groups.put(group,
                    checkGrant("groups." + group, group, spec, profiles, volumes)));
        }
        if (doc.defaultProfile() != null && !profiles.containsKey(doc.defaultProfile())) {
            throw new PolicyException("default_profile: there is no profile '" + doc.defaultProfile() + "'");
        }
        return new GroupPolicy(profiles, volumes, everyone, groups, doc.defaultProfile(), true);
    }

    private static PolicyDocument.VolumeSpec checkVolume(String at, String name, PolicyDocument.VolumeSpec spec) {
        if (!VOLUME_NAME.matcher(name).matches()) {
            throw new PolicyException(at + ": volume names are lower case letters, digits and '-' (at most 61)");
        }
        if (spec == null || spec.claim() == null || !CLAIM.matcher(spec.claim()).matches()) {
            throw new PolicyException(at + ".claim: the name of a PersistentVolumeClaim is required (lower case, "
                    + "digits, '-' and '.')");
        }
        String mount = spec.mountPath();
        if (mount == null || !mount.startsWith("/") || mount.contains("..") || mount.equals("/")) {
            throw new PolicyException(at + ".mount_path: an absolute folder such as /home/jovyan/Shared is required");
        }
        for (String reserved : RESERVED_MOUNTS) {
            if (mount.equals(reserved) || mount.startsWith(reserved + "/")) {
                throw new PolicyException(at + ".mount_path: " + reserved + " belongs to the executor");
            }
        }
        String sub = spec.subPath();
        if (sub != null && (sub.startsWith("/") || sub.contains("..") || sub.replace("{user}", "").contains("{"))) {
            throw new PolicyException(at + ".sub_path: a relative folder inside the claim, where {user} is the only "
                    + "placeholder (e.g. users/{user})");
        }
        return spec;
    }

    private static Profile checkProfile(String at, String name, PolicyDocument.ProfileSpec spec,
            Map<String, PolicyDocument.VolumeSpec> volumes) {
        checkName(at, name);
        if (spec == null) {
            throw new PolicyException(at + ": a profile needs at least a display_name");
        }
        Optional<Quantity> cpu = quantity(at + ".cpu", spec.cpu());
        Optional<Quantity> memory = quantity(at + ".memory", spec.memory());
        if (spec.gpu() != null && spec.gpu() < 0) {
            throw new PolicyException(at + ".gpu: a whole number of GPUs, 0 or more");
        }
        if (spec.image() != null && spec.images() != null) {
            throw new PolicyException(at + ": give image or images, not both");
        }
        List<String> images = spec.image() != null ? List.of(spec.image())
                : spec.images() == null ? List.of() : List.copyOf(spec.images());
        for (String image : images) {
            if (ImageReference.parse(image).isEmpty()) {
                throw new PolicyException(at + ".images: '" + image + "' is not an image reference");
            }
        }
        Set<Profile.Field> open = EnumSet.noneOf(Profile.Field.class);
        for (String field : spec.overridable() == null ? List.<String>of() : spec.overridable()) {
            try {
                open.add(Profile.Field.valueOf(field.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new PolicyException(at + ".overridable: '" + field + "' is not cpu, memory, gpu or image");
            }
        }
        List<PolicyDocument.VolumeGrant> grants = spec.volumes() == null ? List.of() : spec.volumes();
        grants.forEach(g -> checkVolumeGrant(at + ".volumes", g, volumes));
        for (PodProfile.Toleration t : spec.tolerations() == null ? List.<PodProfile.Toleration>of() : spec.tolerations()) {
            if (t.operator() != null && !t.operator().equals("Exists") && !t.operator().equals("Equal")) {
                throw new PolicyException(at + ".tolerations: operator must be Exists or Equal, not " + t.operator());
            }
        }
        return new Profile(name, spec.displayName() == null ? name : spec.displayName(),
                spec.description() == null ? "" : spec.description(), cpu, memory, Optional.ofNullable(spec.gpu()),
                images, spec.environments() == null ? List.of() : List.copyOf(spec.environments()),
                Boolean.TRUE.equals(spec.custom()), open,
                spec.nodeSelector() == null ? Map.of() : Map.copyOf(spec.nodeSelector()),
                spec.tolerations() == null ? List.of() : List.copyOf(spec.tolerations()), List.copyOf(grants),
                queue(at + ".queue", spec.queue()));
    }

    private static Block checkGrant(String at, String group, PolicyDocument.GrantSpec spec,
            Map<String, Profile> profiles, Map<String, PolicyDocument.VolumeSpec> volumes) {
        if (spec == null) {
            return new Block(group, List.of(), Optional.empty(), new LimitsSpecChecked(Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty()), List.of(), Optional.empty());
        }
        List<String> names = spec.profiles() == null ? List.of() : List.copyOf(spec.profiles());
        for (String name : names) {
            if (!profiles.containsKey(name)) {
                throw new PolicyException(at + ".profiles: there is no profile '" + name + "'");
            }
        }
        if (spec.defaultProfile() != null && !names.contains(spec.defaultProfile())) {
            throw new PolicyException(at + ".default_profile: '" + spec.defaultProfile()
                    + "' is not one of this grant's profiles");
        }
        List<PolicyDocument.VolumeGrant> grants = spec.volumes() == null ? List.of() : List.copyOf(spec.volumes());
        grants.forEach(g -> checkVolumeGrant(at + ".volumes", g, volumes));
        return new Block(group, names, Optional.ofNullable(spec.defaultProfile()), checkLimits(at + ".limits",
                group == null ? "everyone" : group, spec.limits()), grants, queue(at + ".queue", spec.queue()));
    }

    private static LimitsSpecChecked checkLimits(String at, String group, PolicyDocument.LimitsSpec spec) {
        if (spec == null) {
            return new LimitsSpecChecked(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (spec.maxGpu() != null && spec.maxGpu() < 0) {
            throw new PolicyException(at + ".max_gpu: a whole number, 0 or more");
        }
        Optional<ImageRule> rule = Optional.empty();
        if (Boolean.TRUE.equals(spec.customImage())) {
            String pattern = spec.imagePattern() == null ? DEFAULT_IMAGE_PATTERN : spec.imagePattern();
            try {
                rule = Optional.of(new ImageRule(group, Pattern.compile(pattern),
                        spec.allowedRegistries() == null ? List.of() : List.copyOf(spec.allowedRegistries())));
            } catch (PatternSyntaxException e) {
                throw new PolicyException(at + ".image_pattern: not a regular expression: " + e.getDescription());
            }
        } else if (spec.imagePattern() != null || spec.allowedRegistries() != null) {
            throw new PolicyException(at + ": image_pattern and allowed_registries need custom_image: true");
        }
        return new LimitsSpecChecked(quantity(at + ".max_cpu", spec.maxCpu()), quantity(at + ".max_memory",
                spec.maxMemory()), Optional.ofNullable(spec.maxGpu()), rule);
    }

    private static void checkVolumeGrant(String at, PolicyDocument.VolumeGrant grant,
            Map<String, PolicyDocument.VolumeSpec> volumes) {
        if (grant == null || grant.name() == null || !volumes.containsKey(grant.name())) {
            throw new PolicyException(at + ": there is no volume '" + (grant == null ? null : grant.name()) + "'");
        }
    }

    private static Optional<Quantity> quantity(String at, String text) {
        if (text == null) {
            return Optional.empty();
        }
        return Optional.of(Quantity.parse(text).filter(Quantity::isPositive)
                .orElseThrow(() -> new PolicyException(at + ": '" + text + "' is not a positive quantity")));
    }

    /** A Kueue LocalQueue's name, which is also the value of the Job's queue-name label. */
    private static Optional<String> queue(String at, String name) {
        if (name == null) {
            return Optional.empty();
        }
        if (!QUEUE_NAME.matcher(name).matches()) {
            throw new PolicyException(at + ": '" + name + "' is not a Kueue LocalQueue name (a DNS label: lower case "
                    + "letters, digits and '-', at most 63)");
        }
        return Optional.of(name);
    }

    /** Every Kueue queue the policy names, with where: a service without Kueue must refuse them. */
    public List<String> queuesNamed() {
        List<String> named = new ArrayList<>();
        profiles.values().forEach(p -> p.queue().ifPresent(q -> named.add("profile " + p.name() + ": " + q)));
        if (everyone != null) {
            everyone.queue().ifPresent(q -> named.add("everyone: " + q));
        }
        groups.forEach((g, b) -> b.queue().ifPresent(q -> named.add("group " + g + ": " + q)));
        return named;
    }

    private static void checkName(String at, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new PolicyException(at + ": names are lower case letters, digits, '-', '_' and '.' (at most 63)");
        }
    }
}
