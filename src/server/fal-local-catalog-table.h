/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* The catalog's rows, included once by fal-local-catalog.c: the simulated
 * endpoints, the app's built-in list (src/app/data/catalog.json), then
 * more of fal's ids by category. Prices are plausible, not fal's. */

#define SDXL "fal-ai/fast-sdxl"
#define SCHNELL "fal-ai/flux/schnell"
#define I2I "fal-ai/fast-sdxl/image-to-image"
#define LLM "fal-ai/any-llm"
#define VISION "fal-ai/llavav15-13b"
#define WHISPER "fal-ai/whisper"
#define AUDIO "fal-ai/stable-audio"
#define VIDEO "fal-ai/minimax/video-01"
#define ON "active"
#define OLD "deprecated"
#define D(day) day "T09:30:00Z"
#define T(...) { __VA_ARGS__, NULL }

static const FalLocalCatalogModel catalog_models[] = {
  /* The simulated endpoints (their prices are fixed by the protocol notes). */
  { SDXL, "Fast SDXL", "text-to-image", "Stable Diffusion XL, fast", T ("sdxl", "stable-diffusion", "fast"), ON, D ("2023-08-01"), D ("2025-01-14"), TRUE, FALSE, 0.0025, "image", SDXL },
  { SCHNELL, "FLUX.1 [schnell]", "text-to-image", "FLUX.1 [schnell]: fast 1–4 step text-to-image", T ("flux", "fast", "turbo"), ON, D ("2024-08-01"), D ("2025-03-02"), TRUE, TRUE, 0.003, "megapixels", SCHNELL },
  { I2I, "Fast SDXL Image to Image", "image-to-image", "SDXL image-to-image", T ("sdxl", "img2img", "stylized"), ON, D ("2023-09-12"), D ("2024-11-20"), FALSE, FALSE, 0.003, "image", I2I },
  { LLM, "Any LLM", "llm", "Any LLM: one API for many language models", T ("llm", "chat", "text"), ON, D ("2024-03-05"), D ("2025-04-18"), FALSE, FALSE, 0.002, "request", LLM },
  { VISION, "LLaVA v1.5 13B", "vision", "LLaVA 1.5 13B: ask about an image", T ("vision", "vlm", "captioning"), ON, D ("2023-11-02"), D ("2024-06-30"), FALSE, FALSE, 0.001, "request", VISION },
  { WHISPER, "Whisper", "speech-to-text", "Whisper: transcription and translation with timestamps", T ("transcription", "translation", "asr"), ON, D ("2023-10-10"), D ("2025-02-01"), TRUE, FALSE, 0.006, "audio_minute", WHISPER },
  { AUDIO, "Stable Audio Open", "audio", "Stable Audio Open: music and sound effects", T ("music", "sound-effects", "audio"), ON, D ("2024-06-05"), D ("2024-12-09"), FALSE, FALSE, 0.02, "request", AUDIO },
  { VIDEO, "MiniMax Video-01", "video", "MiniMax Video-01: text-to-video", T ("video", "minimax", "hailuo"), ON, D ("2024-10-01"), D ("2025-01-22"), TRUE, FALSE, 0.09, "video_second", VIDEO },

  /* The rest of the app's built-in list. */
  { "fal-ai/flux/dev", "FLUX.1 [dev]", "text-to-image", "FLUX.1 [dev]: 12B flow transformer for high-quality images", T ("flux", "high-quality", "open-weights"), ON, D ("2024-08-01"), D ("2025-03-02"), TRUE, TRUE, 0.025, "megapixels", SCHNELL },
  { "fal-ai/flux-pro/v1.1", "FLUX1.1 [pro]", "text-to-image", "FLUX1.1 [pro]: better composition and detail", T ("flux", "pro", "photorealism"), ON, D ("2024-10-02"), D ("2025-02-10"), TRUE, FALSE, 0.04, "megapixels", SCHNELL },
  { "fal-ai/flux-pro/v1.1-ultra", "FLUX1.1 [pro] ultra", "text-to-image", "FLUX1.1 [pro] ultra: up to 4 megapixels", T ("flux", "pro", "high-resolution"), ON, D ("2024-11-06"), D ("2025-02-10"), FALSE, FALSE, 0.06, "image", SCHNELL },
  { "fal-ai/flux-lora", "FLUX.1 [dev] with LoRAs", "text-to-image", "FLUX.1 [dev] with LoRA adapters", T ("flux", "lora", "personalization"), ON, D ("2024-08-14"), D ("2025-01-30"), FALSE, FALSE, 0.035, "megapixels", SCHNELL },
  { "fal-ai/fast-lightning-sdxl", "Stable Diffusion XL Lightning", "text-to-image", "SDXL Lightning: images in 1–8 steps", T ("sdxl", "lightning", "fast"), ON, D ("2024-02-22"), D ("2024-09-03"), FALSE, FALSE, 0.0015, "image", SDXL },
  { "fal-ai/stable-diffusion-v35-large", "Stable Diffusion 3.5 Large", "text-to-image", "Stable Diffusion 3.5 Large", T ("stable-diffusion", "sd3"), ON, D ("2024-10-22"), D ("2025-01-08"), FALSE, FALSE, 0.065, "megapixels", SDXL },
  { "fal-ai/recraft-v3", "Recraft V3", "text-to-image", "Recraft V3: vector art, typography and brand styles", T ("vector", "typography", "style"), ON, D ("2024-10-30"), D ("2025-02-11"), TRUE, FALSE, 0.04, "image", SDXL },
  { "fal-ai/ideogram/v2", "Ideogram V2", "text-to-image", "Ideogram V2: text in images, posters and logos", T ("typography", "posters", "logos"), ON, D ("2024-08-21"), D ("2024-12-17"), FALSE, FALSE, 0.08, "image", SDXL },
  { "fal-ai/imagen4/preview", "Imagen 4", "text-to-image", "Google Imagen 4", T ("google", "photorealism"), ON, D ("2025-05-20"), D ("2025-06-11"), TRUE, FALSE, 0.05, "image", SDXL },
  { "bytedance/seedream/v4/text-to-image", "Seedream 4.0", "text-to-image", "Seedream 4.0 by ByteDance", T ("bytedance", "high-resolution", "typography"), ON, D ("2025-09-09"), D ("2025-09-20"), TRUE, FALSE, 0.03, "image", SDXL },
  { "fal-ai/flux/dev/image-to-image", "FLUX.1 [dev] Image to Image", "image-to-image", "FLUX.1 [dev] image-to-image", T ("flux", "img2img"), ON, D ("2024-08-09"), D ("2025-01-14"), FALSE, FALSE, 0.03, "megapixels", I2I },
  { "fal-ai/creative-upscaler", "Creative Upscaler", "image-to-image", "Creative upscaler: adds detail while enlarging", T ("upscaling", "detail"), ON, D ("2024-01-18"), D ("2024-10-02"), FALSE, FALSE, 0.0008, "gpu_second", I2I },
  { "fal-ai/clarity-upscaler", "Clarity Upscaler", "image-to-image", "Clarity upscaler: faithful high-resolution enlargement", T ("upscaling", "high-resolution"), ON, D ("2024-03-20"), D ("2024-11-11"), FALSE, FALSE, 0.03, "megapixels", I2I },
  { "fal-ai/esrgan", "Upscale Images", "image-to-image", "ESRGAN: classic super-resolution", T ("upscaling", "super-resolution"), ON, D ("2023-07-11"), D ("2024-04-29"), FALSE, FALSE, 0.00111, "gpu_second", I2I },
  { "fal-ai/flux-pro/kontext", "FLUX.1 Kontext [pro]", "editing", "FLUX.1 Kontext [pro]: edit images with instructions", T ("flux", "editing", "instructions"), ON, D ("2025-05-29"), D ("2025-07-01"), TRUE, TRUE, 0.04, "image", I2I },
  { "fal-ai/flux-pro/v1/fill", "FLUX.1 [pro] Fill", "editing", "FLUX.1 Fill [pro]: inpainting and outpainting", T ("flux", "inpainting", "outpainting"), ON, D ("2024-11-21"), D ("2025-01-30"), FALSE, FALSE, 0.05, "megapixels", I2I },
  { "fal-ai/imageutils/rembg", "Remove Background", "editing", "Remove an image's background", T ("background-removal", "utility"), ON, D ("2023-08-15"), D ("2024-05-06"), FALSE, FALSE, 0.0, "request", I2I },
  { "fal-ai/birefnet", "BiRefNet Background Removal", "editing", "BiRefNet: precise background removal", T ("background-removal", "segmentation"), ON, D ("2024-07-09"), D ("2025-02-25"), FALSE, FALSE, 0.00111, "gpu_second", I2I },
  { "fal-ai/minimax/hailuo-02/standard/text-to-video", "Hailuo 02 Standard", "video", "Hailuo 02: 6 or 10 s clips", T ("minimax", "hailuo", "video"), ON, D ("2025-06-18"), D ("2025-07-22"), TRUE, FALSE, 0.045, "video_second", VIDEO },
  { "fal-ai/kling-video/v1/standard/text-to-video", "Kling 1.0 Standard", "video", "Kling 1.0: 5 or 10 s clips", T ("kling", "video"), ON, D ("2024-07-15"), D ("2024-12-02"), FALSE, FALSE, 0.2, "video", VIDEO },
  { "fal-ai/luma-dream-machine", "Luma Dream Machine", "video", "Luma Dream Machine", T ("luma", "video", "cinematic"), ON, D ("2024-06-12"), D ("2025-01-10"), FALSE, FALSE, 0.5, "video", VIDEO },
  { "fal-ai/hunyuan-video", "Hunyuan Video", "video", "Hunyuan Video: open video model", T ("tencent", "open-weights", "video"), ON, D ("2024-12-03"), D ("2025-02-14"), FALSE, FALSE, 0.4, "video", VIDEO },
  { "fal-ai/ltx-video", "LTX Video", "video", "LTX Video: fast video generation", T ("lightricks", "fast", "video"), ON, D ("2024-11-22"), D ("2025-03-19"), FALSE, FALSE, 0.02, "video", VIDEO },
  { "fal-ai/mmaudio-v2", "MMAudio V2", "audio", "MMAudio: sound for a video or a prompt", T ("sound-effects", "foley"), ON, D ("2024-12-18"), D ("2025-02-07"), FALSE, FALSE, 0.001, "gpu_second", AUDIO },
  { "fal-ai/playai/tts/v3", "PlayAI Text-to-Speech v3", "audio", "PlayAI text-to-speech", T ("tts", "voices", "speech"), ON, D ("2025-01-15"), D ("2025-04-02"), FALSE, FALSE, 0.03, "1k_characters", AUDIO },
  { "fal-ai/kokoro/american-english", "Kokoro TTS", "audio", "Kokoro: light text-to-speech", T ("tts", "lightweight"), ON, D ("2025-01-20"), D ("2025-03-11"), FALSE, FALSE, 0.02, "1k_characters", AUDIO },
  { "fal-ai/wizper", "Wizper (Whisper v3)", "speech-to-text", "Wizper: faster Whisper v3", T ("transcription", "fast", "asr"), ON, D ("2024-04-25"), D ("2024-12-12"), FALSE, FALSE, 0.004, "audio_minute", WHISPER },
  { "openrouter/router", "OpenRouter", "llm", "OpenRouter: any model by name", T ("llm", "router", "chat"), ON, D ("2025-03-03"), D ("2025-08-14"), FALSE, FALSE, 0.003, "request", LLM },
  { "fal-ai/moondream2", "Moondream 2", "vision", "Moondream 2: small vision-language model", T ("vision", "small", "vlm"), ON, D ("2024-05-30"), D ("2024-10-21"), FALSE, FALSE, 0.0005, "request", VISION },
  { "fal-ai/florence-2-large/caption", "Florence-2 Large Caption", "vision", "Florence-2: image captions", T ("microsoft", "captioning"), ON, D ("2024-06-26"), D ("2024-09-18"), FALSE, FALSE, 0.00025, "gpu_second", VISION },

  /* text-to-image */
  { "fal-ai/flux-pro/v1.1-ultra/redux", "FLUX1.1 [pro] ultra Redux", "text-to-image", "Variations of an image at up to 4 megapixels", T ("flux", "redux", "variations"), ON, D ("2024-11-25"), D ("2025-02-10"), FALSE, FALSE, 0.06, "image", SCHNELL },
  { "fal-ai/flux-realism", "FLUX Realism LoRA", "text-to-image", "FLUX.1 [dev] with a realism LoRA for natural photographs", T ("flux", "lora", "photorealism"), ON, D ("2024-08-20"), D ("2024-12-04"), FALSE, FALSE, 0.025, "megapixels", SCHNELL },
  { "fal-ai/aura-flow", "AuraFlow", "text-to-image", "AuraFlow: an open flow-based text-to-image model", T ("open-weights", "flow"), ON, D ("2024-07-12"), D ("2024-10-30"), FALSE, FALSE, 0.00111, "gpu_second", SDXL },
  { "fal-ai/sana", "Sana", "text-to-image", "Sana: efficient high-resolution synthesis from NVIDIA", T ("nvidia", "fast", "high-resolution"), ON, D ("2024-11-27"), D ("2025-02-20"), FALSE, FALSE, 0.001, "megapixels", SDXL },
  { "fal-ai/hidream-i1-full", "HiDream I1 Full", "text-to-image", "HiDream-I1: 17B open image model", T ("open-weights", "high-quality"), ON, D ("2025-04-10"), D ("2025-05-15"), FALSE, FALSE, 0.05, "megapixels", SDXL },
  { "fal-ai/ideogram/v3", "Ideogram V3", "text-to-image", "Ideogram 3.0: layouts, type and style references", T ("typography", "design", "style"), ON, D ("2025-03-26"), D ("2025-06-03"), TRUE, FALSE, 0.06, "image", SDXL },
  { "fal-ai/recraft/v3/text-to-vector", "Recraft V3 Text to Vector", "text-to-image", "Recraft V3 drawing SVG vector art", T ("vector", "svg", "illustration"), ON, D ("2025-02-04"), D ("2025-04-08"), FALSE, FALSE, 0.08, "image", SDXL },
  { "fal-ai/qwen-image", "Qwen Image", "text-to-image", "Qwen-Image: strong text rendering in pictures", T ("qwen", "typography", "open-weights"), ON, D ("2025-08-05"), D ("2025-09-01"), FALSE, FALSE, 0.02, "megapixels", SDXL },
  { "fal-ai/bytedance/dreamina/v3.1/text-to-image", "Dreamina 3.1", "text-to-image", "Dreamina v3.1 by ByteDance: aesthetic portraits", T ("bytedance", "portraits"), ON, D ("2025-08-12"), D ("2025-08-30"), FALSE, FALSE, 0.03, "image", SDXL },
  { "fal-ai/omnigen-v1", "OmniGen v1", "text-to-image", "OmniGen: one model for generation and editing", T ("multimodal", "editing"), ON, D ("2024-11-04"), D ("2025-01-06"), FALSE, FALSE, 0.1, "megapixels", SDXL },
  { "fal-ai/lumina-image/v2", "Lumina Image 2", "text-to-image", "Lumina-Image 2.0: unified next-gen diffusion", T ("open-weights", "diffusion"), ON, D ("2025-02-05"), D ("2025-03-14"), FALSE, FALSE, 0.025, "megapixels", SDXL },
  { "fal-ai/playground-v25", "Playground v2.5", "text-to-image", "Playground v2.5: aesthetic SDXL-class model", T ("aesthetic", "sdxl"), OLD, D ("2024-02-28"), D ("2024-08-15"), FALSE, FALSE, 0.0025, "image", SDXL },
  { "fal-ai/stable-diffusion-v15", "Stable Diffusion 1.5", "text-to-image", "The classic Stable Diffusion 1.5", T ("stable-diffusion", "classic"), OLD, D ("2023-05-02"), D ("2024-03-11"), FALSE, FALSE, 0.001, "image", SDXL },
  { "fal-ai/lcm", "Latent Consistency (LCM)", "text-to-image", "Latent consistency models: pictures in four steps", T ("lcm", "fast"), OLD, D ("2023-11-10"), D ("2024-04-02"), FALSE, FALSE, 0.0008, "image", SDXL },
  { "fal-ai/fast-turbo-diffusion", "Fast Turbo Diffusion", "text-to-image", "SDXL Turbo: single-step diffusion", T ("turbo", "fast", "sdxl"), OLD, D ("2023-11-29"), D ("2024-05-20"), FALSE, FALSE, 0.0009, "image", SDXL },
  { "fal-ai/stable-cascade", "Stable Cascade", "text-to-image", "Stable Cascade: a three-stage Würstchen model", T ("stable-diffusion", "wuerstchen"), OLD, D ("2024-02-13"), D ("2024-07-01"), FALSE, FALSE, 0.002, "image", SDXL },

  /* image-to-image */
  { "fal-ai/flux/dev/redux", "FLUX.1 [dev] Redux", "image-to-image", "Image variations with FLUX.1 [dev] Redux", T ("flux", "redux", "variations"), ON, D ("2024-11-21"), D ("2025-01-14"), FALSE, FALSE, 0.025, "megapixels", I2I },
  { "fal-ai/flux-general/image-to-image", "FLUX General Image to Image", "image-to-image", "FLUX with ControlNets, LoRAs and IP-Adapters", T ("flux", "controlnet", "lora"), ON, D ("2024-09-10"), D ("2025-02-03"), FALSE, FALSE, 0.075, "megapixels", I2I },
  { "fal-ai/ideogram/v2/remix", "Ideogram V2 Remix", "image-to-image", "Reimagine an image with Ideogram V2", T ("typography", "remix"), ON, D ("2024-10-15"), D ("2024-12-17"), FALSE, FALSE, 0.08, "image", I2I },
  { "fal-ai/recraft/v3/image-to-image", "Recraft V3 Image to Image", "image-to-image", "Restyle an image in a Recraft style", T ("style", "vector"), ON, D ("2025-01-13"), D ("2025-03-04"), FALSE, FALSE, 0.04, "image", I2I },
  { "fal-ai/ccsr", "CCSR Upscaler", "image-to-image", "Content-consistent super-resolution", T ("upscaling", "super-resolution"), ON, D ("2024-03-07"), D ("2024-08-28"), FALSE, FALSE, 0.00111, "gpu_second", I2I },
  { "fal-ai/face-to-sticker", "Face to Sticker", "image-to-image", "Turn a face photo into a sticker", T ("stickers", "faces", "fun"), ON, D ("2024-02-08"), D ("2024-06-19"), FALSE, FALSE, 0.0025, "image", I2I },
  { "fal-ai/illusion-diffusion", "Illusion Diffusion", "image-to-image", "Hide patterns and words inside pictures", T ("controlnet", "art"), OLD, D ("2023-10-03"), D ("2024-05-09"), FALSE, FALSE, 0.00111, "gpu_second", I2I },
  { "fal-ai/image-editing/background-change", "Background Change", "image-to-image", "Put the subject of an image in a new scene", T ("editing", "background"), ON, D ("2025-06-24"), D ("2025-07-15"), FALSE, FALSE, 0.04, "image", I2I },

  /* text-to-video */
  { "fal-ai/veo3", "Veo 3", "text-to-video", "Google Veo 3: video with sound", T ("google", "audio", "cinematic"), ON, D ("2025-05-21"), D ("2025-07-30"), TRUE, TRUE, 0.75, "video_second", VIDEO },
  { "fal-ai/veo3/fast", "Veo 3 Fast", "text-to-video", "Veo 3 at lower cost and latency", T ("google", "fast"), ON, D ("2025-07-01"), D ("2025-08-12"), FALSE, FALSE, 0.4, "video_second", VIDEO },
  { "fal-ai/kling-video/v2.1/master/text-to-video", "Kling 2.1 Master", "text-to-video", "Kling 2.1 Master: top motion quality", T ("kling", "cinematic"), ON, D ("2025-05-27"), D ("2025-07-02"), TRUE, FALSE, 0.28, "video_second", VIDEO },
  { "fal-ai/wan/v2.2-a14b/text-to-video", "Wan 2.2 A14B", "text-to-video", "Wan 2.2: open mixture-of-experts video model", T ("wan", "open-weights"), ON, D ("2025-07-28"), D ("2025-08-19"), FALSE, FALSE, 0.08, "video_second", VIDEO },
  { "fal-ai/pixverse/v4.5/text-to-video", "PixVerse v4.5", "text-to-video", "PixVerse v4.5: stylized clips", T ("pixverse", "anime", "stylized"), ON, D ("2025-05-14"), D ("2025-06-20"), FALSE, FALSE, 0.3, "video", VIDEO },
  { "fal-ai/mochi-v1", "Mochi 1", "text-to-video", "Genmo Mochi 1: open video generation", T ("genmo", "open-weights"), ON, D ("2024-10-23"), D ("2025-01-09"), FALSE, FALSE, 0.4, "video", VIDEO },
  { "fal-ai/cogvideox-5b", "CogVideoX 5B", "text-to-video", "CogVideoX-5B: open text-to-video", T ("open-weights", "cogvideo"), ON, D ("2024-08-28"), D ("2024-12-11"), FALSE, FALSE, 0.2, "video", VIDEO },
  { "fal-ai/fast-animatediff/text-to-video", "AnimateDiff", "text-to-video", "AnimateDiff: short animated loops", T ("animatediff", "loops"), OLD, D ("2023-12-05"), D ("2024-06-12"), FALSE, FALSE, 0.00111, "gpu_second", VIDEO },

  /* image-to-video */
  { "fal-ai/kling-video/v1.6/pro/image-to-video", "Kling 1.6 Pro Image to Video", "image-to-video", "Kling 1.6 Pro: animate a still", T ("kling", "animation"), ON, D ("2024-12-19"), D ("2025-02-26"), TRUE, FALSE, 0.095, "video_second", VIDEO },
  { "fal-ai/kling-video/v2.1/standard/image-to-video", "Kling 2.1 Standard Image to Video", "image-to-video", "Kling 2.1 Standard: affordable image animation", T ("kling", "animation", "affordable"), ON, D ("2025-05-27"), D ("2025-07-02"), FALSE, FALSE, 0.05, "video_second", VIDEO },
  { "fal-ai/minimax/hailuo-02/pro/image-to-video", "Hailuo 02 Pro Image to Video", "image-to-video", "Hailuo 02 Pro: 1080p from an image", T ("minimax", "hailuo", "1080p"), ON, D ("2025-06-18"), D ("2025-07-22"), FALSE, FALSE, 0.08, "video_second", VIDEO },
  { "fal-ai/luma-dream-machine/ray-2/image-to-video", "Luma Ray 2 Image to Video", "image-to-video", "Luma Ray 2: realistic motion from a frame", T ("luma", "realism"), ON, D ("2025-02-20"), D ("2025-04-01"), FALSE, FALSE, 0.5, "video", VIDEO },
  { "fal-ai/veo2/image-to-video", "Veo 2 Image to Video", "image-to-video", "Google Veo 2 animating an image", T ("google", "animation"), ON, D ("2025-02-25"), D ("2025-04-15"), FALSE, FALSE, 0.5, "video_second", VIDEO },
  { "fal-ai/wan-i2v", "Wan 2.1 Image to Video", "image-to-video", "Wan 2.1: open image-to-video", T ("wan", "open-weights"), ON, D ("2025-02-26"), D ("2025-04-10"), FALSE, FALSE, 0.4, "video", VIDEO },
  { "fal-ai/ltx-video/image-to-video", "LTX Video Image to Video", "image-to-video", "LTX Video: quick image animation", T ("lightricks", "fast"), ON, D ("2024-11-22"), D ("2025-03-19"), FALSE, FALSE, 0.02, "video", VIDEO },
  { "fal-ai/pixverse/v4.5/image-to-video", "PixVerse v4.5 Image to Video", "image-to-video", "PixVerse v4.5 animating a picture", T ("pixverse", "stylized"), ON, D ("2025-05-14"), D ("2025-06-20"), FALSE, FALSE, 0.3, "video", VIDEO },
  { "fal-ai/stable-video", "Stable Video Diffusion", "image-to-video", "Stable Video Diffusion: short clips from an image", T ("stable-diffusion", "svd"), OLD, D ("2023-11-28"), D ("2024-07-08"), FALSE, FALSE, 0.075, "video", VIDEO },
  { "fal-ai/kling-video/v1/standard/image-to-video", "Kling 1.0 Standard Image to Video", "image-to-video", "Kling 1.0: the first Kling image animation", T ("kling", "legacy"), OLD, D ("2024-07-15"), D ("2024-12-02"), FALSE, FALSE, 0.2, "video", VIDEO },

  /* video-to-video */
  { "fal-ai/hunyuan-video/video-to-video", "Hunyuan Video to Video", "video-to-video", "Restyle a clip with Hunyuan Video", T ("tencent", "restyle"), ON, D ("2025-01-07"), D ("2025-02-14"), FALSE, FALSE, 0.4, "video", I2I },
  { "fal-ai/wan-vace-14b", "Wan VACE 14B", "video-to-video", "Wan VACE: edit, extend and restyle video", T ("wan", "editing", "open-weights"), ON, D ("2025-05-19"), D ("2025-06-25"), FALSE, FALSE, 0.2, "video_second", I2I },
  { "fal-ai/topaz/upscale/video", "Topaz Video Upscale", "video-to-video", "Topaz: upscale and interpolate video", T ("upscaling", "frame-interpolation"), ON, D ("2025-03-12"), D ("2025-05-06"), FALSE, FALSE, 0.1, "video_second", I2I },
  { "fal-ai/sync-lipsync", "Sync Lipsync", "video-to-video", "Match lip movement to a new voice track", T ("lipsync", "dubbing"), ON, D ("2024-12-10"), D ("2025-03-27"), FALSE, FALSE, 0.7, "audio_minute", I2I },
  { "fal-ai/video-upscaler", "Video Upscaler", "video-to-video", "Real-ESRGAN frame by frame", T ("upscaling", "esrgan"), ON, D ("2024-09-17"), D ("2024-12-20"), FALSE, FALSE, 0.0015, "gpu_second", I2I },
  { "fal-ai/animatediff-v2v", "AnimateDiff Video to Video", "video-to-video", "Restyle a clip with AnimateDiff", T ("animatediff", "restyle"), OLD, D ("2024-01-09"), D ("2024-06-12"), FALSE, FALSE, 0.00111, "gpu_second", I2I },

  /* text-to-audio */
  { "fal-ai/lyria2", "Lyria 2", "text-to-audio", "Google Lyria 2: instrumental music", T ("google", "music"), ON, D ("2025-05-06"), D ("2025-06-17"), FALSE, FALSE, 0.1, "request", AUDIO },
  { "fal-ai/elevenlabs/sound-effects", "ElevenLabs Sound Effects", "text-to-audio", "Sound effects from a description", T ("elevenlabs", "sound-effects"), ON, D ("2025-01-28"), D ("2025-03-18"), FALSE, FALSE, 0.002, "request", AUDIO },
  { "fal-ai/ace-step", "ACE-Step", "text-to-audio", "ACE-Step: songs with lyrics", T ("music", "lyrics", "open-weights"), ON, D ("2025-05-08"), D ("2025-06-02"), FALSE, FALSE, 0.0002, "audio_minute", AUDIO },
  { "fal-ai/diffrhythm", "DiffRhythm", "text-to-audio", "DiffRhythm: full songs in seconds", T ("music", "songs"), ON, D ("2025-03-10"), D ("2025-04-22"), FALSE, FALSE, 0.03, "request", AUDIO },
  { "fal-ai/stable-audio-25/text-to-audio", "Stable Audio 2.5", "text-to-audio", "Stable Audio 2.5: production music", T ("music", "stability"), ON, D ("2025-09-10"), D ("2025-09-24"), FALSE, FALSE, 0.2, "request", AUDIO },

  /* text-to-speech */
  { "fal-ai/f5-tts", "F5 TTS", "text-to-speech", "F5-TTS: voice cloning from a short sample", T ("tts", "voice-cloning"), ON, D ("2024-10-17"), D ("2025-01-21"), FALSE, FALSE, 0.05, "1k_characters", AUDIO },
  { "fal-ai/elevenlabs/tts/multilingual-v2", "ElevenLabs TTS Multilingual v2", "text-to-speech", "ElevenLabs speech in 29 languages", T ("elevenlabs", "tts", "multilingual"), ON, D ("2025-01-28"), D ("2025-03-18"), TRUE, FALSE, 0.1, "1k_characters", AUDIO },
  { "fal-ai/minimax/speech-02-hd", "MiniMax Speech-02 HD", "text-to-speech", "MiniMax Speech-02 HD: expressive voices", T ("minimax", "tts", "hd"), ON, D ("2025-05-12"), D ("2025-06-09"), FALSE, FALSE, 0.1, "1k_characters", AUDIO },
  { "fal-ai/dia-tts", "Dia TTS", "text-to-speech", "Dia: dialogue with two speakers", T ("tts", "dialogue"), ON, D ("2025-04-23"), D ("2025-05-20"), FALSE, FALSE, 0.04, "1k_characters", AUDIO },
  { "fal-ai/chatterbox/text-to-speech", "Chatterbox TTS", "text-to-speech", "Chatterbox: emotive open speech", T ("tts", "open-weights"), ON, D ("2025-05-29"), D ("2025-07-08"), FALSE, FALSE, 0.025, "1k_characters", AUDIO },
  { "fal-ai/playht/tts/v3", "PlayHT TTS v3", "text-to-speech", "PlayHT v3: fast conversational speech", T ("tts", "conversational"), OLD, D ("2024-09-24"), D ("2025-01-15"), FALSE, FALSE, 0.03, "1k_characters", AUDIO },

  /* speech-to-text */
  { "fal-ai/elevenlabs/speech-to-text", "ElevenLabs Speech to Text", "speech-to-text", "ElevenLabs Scribe: transcription with speakers", T ("elevenlabs", "transcription", "diarization"), ON, D ("2025-02-26"), D ("2025-04-03"), FALSE, FALSE, 0.03, "audio_minute", WHISPER },
  { "fal-ai/speech-to-text/turbo", "Speech to Text Turbo", "speech-to-text", "Fast English transcription", T ("transcription", "fast"), ON, D ("2025-03-19"), D ("2025-05-01"), FALSE, FALSE, 0.002, "audio_minute", WHISPER },
  { "fal-ai/whisper/diarize", "Whisper with Diarization", "speech-to-text", "Whisper that tells the speakers apart", T ("transcription", "diarization"), ON, D ("2024-08-07"), D ("2024-11-26"), FALSE, FALSE, 0.009, "audio_minute", WHISPER },

  /* llm */
  { "fal-ai/any-llm/enterprise", "Any LLM Enterprise", "llm", "Any LLM with enterprise models and limits", T ("llm", "enterprise"), ON, D ("2024-09-02"), D ("2025-04-18"), FALSE, FALSE, 0.006, "request", LLM },
  { "fal-ai/qwen-25-7b-instruct", "Qwen 2.5 7B Instruct", "llm", "Qwen 2.5 7B: a small instruction model", T ("qwen", "chat", "open-weights"), ON, D ("2024-10-01"), D ("2025-01-17"), FALSE, FALSE, 0.0005, "request", LLM },
  { "fal-ai/llama-3-8b-instruct", "Llama 3 8B Instruct", "llm", "Meta Llama 3 8B instruction-tuned", T ("meta", "llama", "chat"), OLD, D ("2024-04-19"), D ("2024-10-08"), FALSE, FALSE, 0.0004, "request", LLM },
  { "fal-ai/prompt-enhancer", "Prompt Enhancer", "llm", "Rewrites a short prompt into a detailed one", T ("prompting", "utility"), ON, D ("2025-02-12"), D ("2025-03-25"), FALSE, FALSE, 0.001, "1k_characters", LLM },

  /* vision */
  { "fal-ai/any-llm/vision", "Any LLM Vision", "vision", "Vision-capable LLMs behind one API", T ("vision", "llm", "vlm"), ON, D ("2024-09-02"), D ("2025-04-18"), FALSE, FALSE, 0.003, "request", VISION },
  { "fal-ai/florence-2-large/ocr", "Florence-2 Large OCR", "vision", "Florence-2: read the text in an image", T ("microsoft", "ocr"), ON, D ("2024-06-26"), D ("2024-09-18"), FALSE, FALSE, 0.00025, "gpu_second", VISION },
  { "fal-ai/sa2va/8b/image", "Sa2VA 8B Image", "vision", "Sa2VA: grounded answers about an image", T ("segmentation", "vlm"), ON, D ("2025-02-18"), D ("2025-03-30"), FALSE, FALSE, 0.0015, "request", VISION },
  { "fal-ai/video-understanding", "Video Understanding", "vision", "Answers questions about a video", T ("video", "vlm", "qa"), ON, D ("2025-04-29"), D ("2025-06-04"), FALSE, FALSE, 0.01, "request", VISION },

  /* image-to-3d */
  { "fal-ai/hunyuan3d/v2", "Hunyuan3D 2.0", "image-to-3d", "Hunyuan3D 2.0: textured meshes from an image", T ("3d", "mesh", "tencent"), ON, D ("2025-01-21"), D ("2025-03-06"), TRUE, FALSE, 0.16, "request", I2I },
  { "fal-ai/trellis", "Trellis", "image-to-3d", "TRELLIS: structured 3D latents from an image", T ("3d", "gaussian-splats", "mesh"), ON, D ("2024-12-09"), D ("2025-02-12"), FALSE, FALSE, 0.02, "request", I2I },
  { "fal-ai/triposr", "TripoSR", "image-to-3d", "TripoSR: fast single-image reconstruction", T ("3d", "fast"), ON, D ("2024-03-05"), D ("2024-08-22"), FALSE, FALSE, 0.07, "request", I2I },
  { "tripo3d/tripo/v2.5/image-to-3d", "Tripo v2.5", "image-to-3d", "Tripo 2.5: production-ready 3D assets", T ("3d", "assets", "pbr"), ON, D ("2025-03-25"), D ("2025-05-13"), FALSE, FALSE, 0.3, "request", I2I },

  /* training */
  { "fal-ai/flux-lora-fast-training", "Train FLUX LoRA", "training", "Train a FLUX.1 [dev] LoRA from a few images", T ("training", "flux", "lora"), ON, D ("2024-08-22"), D ("2025-02-05"), TRUE, FALSE, 2.0, "request", SDXL },
  { "fal-ai/flux-lora-portrait-trainer", "Train FLUX Portrait LoRA", "training", "LoRA training tuned for faces and portraits", T ("training", "portraits", "lora"), ON, D ("2024-10-09"), D ("2025-01-28"), FALSE, FALSE, 0.0024, "gpu_second", SDXL },
  { "fal-ai/hunyuan-video-lora-training", "Train Hunyuan Video LoRA", "training", "Teach Hunyuan Video a subject or a style", T ("training", "video", "lora"), ON, D ("2025-01-14"), D ("2025-03-03"), FALSE, FALSE, 5.0, "request", SDXL },
  { "fal-ai/wan-trainer", "Wan 2.1 LoRA Trainer", "training", "LoRA training for Wan 2.1 video", T ("training", "wan", "lora"), ON, D ("2025-03-18"), D ("2025-05-07"), FALSE, FALSE, 0.0028, "gpu_second", SDXL },
  { "fal-ai/turbo-flux-trainer", "Turbo FLUX Trainer", "training", "A quicker FLUX LoRA trainer", T ("training", "flux", "fast"), ON, D ("2025-06-10"), D ("2025-07-16"), FALSE, FALSE, 0.0026, "gpu_second", SDXL },
  { "fal-ai/lora", "Stable Diffusion with LoRAs", "text-to-image", "Any Stable Diffusion checkpoint with LoRAs", T ("stable-diffusion", "lora", "custom"), ON, D ("2023-09-20"), D ("2024-10-17"), FALSE, FALSE, 0.00111, "gpu_second", SDXL },
  { "fal-ai/flux-kontext-lora", "FLUX Kontext LoRA", "image-to-image", "FLUX.1 Kontext [dev] with LoRAs", T ("flux", "editing", "lora"), ON, D ("2025-06-26"), D ("2025-07-29"), FALSE, FALSE, 0.035, "megapixels", I2I },
  { "fal-ai/nano-banana", "Nano Banana", "text-to-image", "Gemini 2.5 Flash Image: generation with consistency", T ("google", "gemini", "consistency"), ON, D ("2025-08-26"), D ("2025-09-15"), TRUE, TRUE, 0.039, "image", SDXL },
  { "fal-ai/nano-banana/edit", "Nano Banana Edit", "image-to-image", "Gemini 2.5 Flash Image: edit with words", T ("google", "gemini", "editing"), ON, D ("2025-08-26"), D ("2025-09-15"), TRUE, FALSE, 0.039, "image", I2I },
};

#undef SDXL
#undef SCHNELL
#undef I2I
#undef LLM
#undef VISION
#undef WHISPER
#undef AUDIO
#undef VIDEO
#undef ON
#undef OLD
#undef D
#undef T
